use book::Period;

#[test]
fn generated_books_plan_and_certify() {
    for seed in 0..20 {
        let mut p = bookgen::Params::new(200, seed);
        p.periods = 12;
        let book = bookgen::generate(&p)
            .into_book()
            .expect("generated book is valid");
        let plan = planner::plan(&book, Period(0)).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert!(plan.check_conservation(), "seed {seed}");
        certify::check(&plan.certificate.network, &plan.certificate.solution).expect("certificate");
        assert!(plan.served_units() > 0, "seed {seed}");
    }
}
