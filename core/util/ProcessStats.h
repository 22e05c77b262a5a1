// Memory figures of this process for the training metrics and the benchmarks (Linux /proc;
// elsewhere they report -1).
#pragma once

namespace rgpb {

// Peak resident set size (VmHWM) in MiB, -1 where unknown.
double peakResidentMemoryMb();
// Resets the peak to the current resident size (Linux >= 4.0), so a later peak is its own.
void resetPeakResidentMemory();

}  // namespace rgpb
