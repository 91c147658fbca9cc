//! Shared support for awsconf's integration tests. The emulator's endpoint, an
//! SDK config pointed at it, a unique env per test and the seeding helpers come
//! from the test kit (`awsconf_testkit::sdk`); this adds what only these tests use.

pub use awsconf_testkit::sdk::{moto, sdk_config, unique_env, Seed};
pub use awsconf_testkit::{Fault, Proxy, Rule};

/// Every problem's `Display`, one per line, for assertions and failure output.
pub fn problems(err: &awsconf::Error) -> Vec<String> {
    err.problems().iter().map(|p| p.to_string()).collect()
}

/// Log output captured in memory (a `tracing_subscriber` writer), for tests that
/// search every log line for a canary secret.
#[derive(Clone, Default)]
pub struct Capture(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}
