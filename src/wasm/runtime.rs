//! What std would otherwise provide to the shipped wasm: a panic handler and an
//! allocator. The crate is `no_std` so that std's panic machinery (formatting the
//! message and location, the hook, their strings) stays out of the wasm.

/// A panic is a bug (host input never causes one): trap at once, as std does with
/// `panic = "abort"`, minus formatting a message nobody reads.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// lol_alloc's free-list allocator: first fit, blocks coalesced on free, so memory is
/// reused and stays bounded by the most ever live at once. Operations are O(free list
/// length), which stays short: the Core's live blocks are a few queues and strings
/// (per-request state is one slot in a queue, not an allocation of its own). About
/// 4 KB smaller in wasm than dlmalloc.
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
