//! The `hoctap` binary: a thin shell over the library.
fn main() -> std::process::ExitCode {
    hoctap::main()
}
