use clap::Parser;

// glibc's allocator spent a third of the page renders' CPU in malloc and free (perf, with
// eight requests in flight on two cores); mimalloc's per-thread heaps do not contend.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    postpilot::cli::Cli::parse().run().await
}
