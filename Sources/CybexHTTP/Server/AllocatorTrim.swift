#if canImport(Glibc)
    import Glibc
#endif

/// Returns the C allocator's free memory to the system (glibc's `malloc_trim`), and limits its
/// arenas (`mallopt(M_ARENA_MAX)`). Both are looked up at run time, so this does nothing on a C
/// library without them. Measured in BENCHMARKS.md, "Memory under concurrent large posts".
public enum AllocatorTrim {
    typealias TrimFunction = @convention(c) (Int) -> Int32
    typealias OptionFunction = @convention(c) (Int32, Int32) -> Int32

    #if canImport(Glibc)
        static let trimFunction: TrimFunction? = {
            dlsym(dlopen(nil, RTLD_NOW), "malloc_trim").map { unsafeBitCast($0, to: TrimFunction.self) }
        }()
        static let optionFunction: OptionFunction? = {
            dlsym(dlopen(nil, RTLD_NOW), "mallopt").map { unsafeBitCast($0, to: OptionFunction.self) }
        }()
    #else
        static let trimFunction: TrimFunction? = nil
        static let optionFunction: OptionFunction? = nil
    #endif

    /// Hands free pages of every arena back to the system; false when the C library has no `malloc_trim`.
    @discardableResult
    public static func trim() -> Bool {
        guard let trimFunction else { return false }
        _ = trimFunction(0)
        return true
    }

    /// Caps the number of malloc arenas (glibc's default is 8 per core); call before the threads start.
    @discardableResult
    public static func limitArenas(to count: Int) -> Bool {
        guard let optionFunction, count > 0 else { return false }
        let arenaMax: Int32 = -8  // M_ARENA_MAX in <malloc.h>
        return optionFunction(arenaMax, Int32(clamping: count)) == 1
    }
}
