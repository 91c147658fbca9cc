//! Shared by the fuzz targets: a runtime for the loader's futures and the
//! parts of the oracles more than one target uses.

#![allow(dead_code)]

use std::future::Future;

/// Runs a future on this thread's current-thread runtime (with timers: the
/// loader's deadline uses one).
pub fn block_on<F: Future>(future: F) -> F::Output {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime");
    }
    RT.with(|rt| rt.block_on(future))
}

/// The input as text, or `None` when it is not UTF-8 (every entry point takes `&str`).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Splits the input on `0xFF` (never part of UTF-8 text) into at most `n` texts.
pub fn parts(data: &[u8], n: usize) -> Option<Vec<&str>> {
    data.splitn(n, |b| *b == 0xFF)
        .map(|p| std::str::from_utf8(p).ok())
        .collect()
}

/// Every run of `len` characters of `secret` found in `text`, except the runs
/// that are also in `vocabulary` (the fixed words of awsconf's messages, which
/// a fuzzed value may spell by chance).
pub fn leaked<'a>(secret: &'a str, text: &str, vocabulary: &str, len: usize) -> Option<&'a str> {
    let starts: Vec<usize> = secret.char_indices().map(|(i, _)| i).collect();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + len).copied().unwrap_or(secret.len());
        if starts.len() - n < len {
            break;
        }
        let run = &secret[start..end];
        if text.contains(run) && !vocabulary.contains(run) {
            return Some(run);
        }
    }
    None
}
