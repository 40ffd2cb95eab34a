fn main() {
    let p = std::env::args().nth(1).unwrap();
    match scenario::load_scenario(std::path::Path::new(&p)) {
        Ok(s) => { let b = book::Book::new(s).unwrap(); print!("{}", scenario::write_scenario(&b, scenario::Format::Toml)); }
        Err(e) => println!("ERR {e} {:?}", e),
    }
}
