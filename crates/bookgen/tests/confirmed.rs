//! The previous plan a generated book carries promises only what can ship: every confirmed
//! promise is due no earlier than its generation's first shipping period.

#[test]
fn confirmed_promises_are_due_after_their_generation_ships() {
    let mut confirmed = 0;
    let mut early_windows = 0;
    for seed in 0..40 {
        let mut p = bookgen::Params::new(400, seed);
        p.confirmed_pct = 50;
        let book = bookgen::generate(&p).into_book().expect("valid book");
        for o in book.orders() {
            let g = book.sku(o.sku).generation;
            let first = book.generations()[g.0 as usize].first_ship;
            if o.latest < first {
                early_windows += 1;
            }
            if let Some(c) = o.confirmed {
                confirmed += 1;
                assert!(
                    c.by >= first,
                    "seed {seed}: order {} confirmed by period {} but {} first ships in {}",
                    o.key,
                    c.by.0,
                    book.generations()[g.0 as usize].key,
                    first.0
                );
            }
        }
    }
    // The case the rule is about occurs, and confirmations still do.
    assert!(
        early_windows > 0,
        "no order's window closes before its generation ships"
    );
    assert!(confirmed > 1000, "only {confirmed} confirmed orders");
}
