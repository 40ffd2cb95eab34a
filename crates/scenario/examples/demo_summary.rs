//! Prints the demo book's supply per generation per year, its binding inputs and its commitments.
use book::{Book, CommitmentKind, GenIdx, Period};

fn main() {
    let book = Book::new(scenario::demo_spec()).unwrap_or_else(|e| panic!("{e}"));
    let h = book.horizon();
    for (g, gen) in book.generations().iter().enumerate() {
        let g = GenIdx(g as u16);
        let row: Vec<u64> = (0..h.periods())
            .map(|t| book.supply_units(g, Period(t)))
            .collect();
        let bind: String = (0..h.periods())
            .map(
                |t| match book.supply_binding(g, Period(t)).map(|b| b.label()) {
                    Some("wafers") => 'W',
                    Some("HBM") => 'H',
                    Some("packaging") => 'P',
                    Some("not shipping") => '-',
                    _ => '.',
                },
            )
            .collect();
        println!(
            "{:5} total {:7} units  {bind}",
            gen.key,
            row.iter().sum::<u64>()
        );
        println!("      {:?}", row);
    }
    let mut total = 0i128;
    for c in book.contracts() {
        let mut v = 0i128;
        for cm in &c.commitments {
            let x = match cm.kind {
                CommitmentKind::Delivery {
                    price_usd_per_unit, ..
                } => cm.units as i128 * price_usd_per_unit as i128,
                CommitmentKind::Capacity {
                    start,
                    end,
                    price_usd_per_unit_period,
                } => {
                    cm.units as i128 * (end.0 - start.0) as i128 * price_usd_per_unit_period as i128
                }
            };
            println!(
                "  {} {} {} units: ${:.2}B",
                c.key,
                book.generation(cm.generation).key,
                cm.units,
                x as f64 / 1e9
            );
            v += x;
        }
        println!("{}: ${:.1}B", c.key, v as f64 / 1e9);
        total += v;
    }
    println!(
        "contracts total ${:.1}B; {} orders, {} reservations",
        total as f64 / 1e9,
        book.orders().len(),
        book.reservations().len()
    );
}
