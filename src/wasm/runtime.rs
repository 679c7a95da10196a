//! What std would otherwise provide to the shipped wasm: a panic handler and an
//! allocator. The crate is `no_std` so that std's panic machinery (formatting the
//! message and location, the hook, their strings) stays out of the wasm.

/// A panic is a bug (host input never causes one): trap at once, as std does with
/// `panic = "abort"`, minus formatting a message nobody reads.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The allocator std uses on wasm32 (dlmalloc), as a crate.
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;
