//! The `hoctap` binary: hands the web server to the commands (`hoctap-commands`), which do not
//! link it themselves.

// mimalloc: a million-row import allocates cells on the reader thread and frees them on
// another; the system allocator spent a fifth of the import's CPU time on that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hoctap_commands::main(hoctap_commands::Web {
        serve: |state, listener| Box::pin(hoctap_web::serve(state, listener)),
        route_table: hoctap_web::route_table,
    })
}
