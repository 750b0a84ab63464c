//! The `hoctap` binary: a thin shell over the library.

// mimalloc: a million-row import allocates cells on the reader thread and frees them on
// another; the system allocator spent a fifth of the import's CPU time on that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hoctap::main()
}
