import Testing
import Distribution

@Suite struct ResourceUsageTests {
    @Test func residentSizesCoverATouchedAllocation() {
        let bytes = 64 << 20
        // Non-zero writes to every page make the kernel back them; untouched pages of a
        // fresh allocation are not resident.
        let block = [UInt8](repeating: 1, count: bytes)
        let current = ResourceUsage.currentResidentBytes()
        let peak = ResourceUsage.peakResidentBytes()
        withExtendedLifetime(block) {}
        #expect(current >= bytes)
        #expect(peak >= current)
        #expect(peak >= bytes)
    }
}
