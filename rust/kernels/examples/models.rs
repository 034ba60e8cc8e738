//! Times the BG/NBD fit on simulated summaries: `cargo run --release --example models [customers]`.
use fidelite_kernels::models::{self, nbd, FitOptions, Likelihood};
use std::time::Instant;

/// A small deterministic generator (xorshift) for the simulation.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() {
    let n: usize = std::env::args().nth(1).map_or(1_000_000, |v| v.parse().unwrap());
    // histories on a grid of days, in weeks: about half the customers never come back
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut x, mut tx, mut t) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let age = (rng.next() * 1092.0).floor() / 7.0 + 1.0;
        let buys = if rng.next() < 0.5 { 0.0 } else { (rng.next() * rng.next() * 30.0).floor() + 1.0 };
        let last = if buys == 0.0 { 0.0 } else { (rng.next() * age * 7.0).floor() / 7.0 };
        x.push(buys);
        tx.push(last);
        t.push(age);
    }
    let data = nbd::Histories { frequency: &x, recency: &tx, age: &t, weights: None };
    let clock = Instant::now();
    let model = nbd::Model::new(nbd::Variant::BetaGeo, data).unwrap();
    println!("model: {:?}", clock.elapsed());
    let theta = [0.5, 4.0, 0.8, 2.4];
    let (mut g, mut h) = ([0.0; 4], [0.0; 16]);
    for _ in 0..3 {
        let clock = Instant::now();
        model.log_lik(&theta, &mut g);
        let a = clock.elapsed();
        let clock = Instant::now();
        model.log_lik_hessian(&theta, &mut g, &mut h);
        println!("pass: gradient {a:?}, with Hessian {:?}", clock.elapsed());
    }
    let thin = model.every(n / 10_000).unwrap();
    let clock = Instant::now();
    for _ in 0..100 {
        thin.log_lik(&theta, &mut g);
    }
    println!("thinned pass ({} rows): {:?}", thin.rows(), clock.elapsed() / 100);
    for _ in 0..3 {
        let clock = Instant::now();
        let f = models::CountModel::BetaGeo.fit(data, &FitOptions::default()).unwrap();
        println!("fit: {:?} ({} evaluations, {})", clock.elapsed(), f.evaluations, f.message);
    }
}
