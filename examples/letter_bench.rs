//! How long a decision letter takes to render and how big it is: the six-page Region Skåne
//! letter of the letter tests, rendered many times in one process.
//!
//! ```sh
//! cargo run --release --example letter_bench            # 200 letters
//! cargo run --release --example letter_bench -- 1000    # or as many as you say
//! ```
//!
//! Prints the first letter's time (it also parses the fonts), then the median, mean and
//! slowest of the rest, and the letter's size. Timings stay out of the test suite; the size
//! bound is a test (`letters::the_six_page_letter_stays_small`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

#[path = "../tests/api/letter_sample.rs"]
mod letter_sample;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The time this thread has run on a CPU (Linux; `None` elsewhere): on a busy machine the
/// wall time also counts waiting for a core.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 200,
    };
    let letter = letter_sample::skane_letter();

    let started = Instant::now();
    let pdf = statsbidrag::letters::render(&letter)?;
    let first = started.elapsed();

    let mut times = Vec::with_capacity(runs);
    let cpu_before = cpu_time();
    for _ in 0..runs {
        let started = Instant::now();
        let again = statsbidrag::letters::render(&letter)?;
        times.push(started.elapsed());
        if again != pdf {
            return Err("the same letter rendered to different bytes".into());
        }
    }
    let cpu = match (cpu_before, cpu_time()) {
        (Some(a), Some(b)) => format!(
            ", {:.2} ms of CPU a letter",
            ms(b.saturating_sub(a)) / runs.max(1) as f64
        ),
        _ => String::new(),
    };
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let slowest = times.last().copied().unwrap_or_default();
    let mean = times.iter().sum::<Duration>() / u32::try_from(runs.max(1))?;
    let pages = lopdf::Document::load_mem(&pdf)?.get_pages().len();

    println!(
        "letter: {pages} pages, {} bytes; first {:.2} ms (with font parsing); \
         then {runs} runs: median {:.2} ms, mean {:.2} ms, slowest {:.2} ms{cpu}",
        pdf.len(),
        ms(first),
        ms(median),
        ms(mean),
        ms(slowest),
    );
    Ok(())
}
