// Memory made resident ahead of its use, so that the page faults (and the kernel's zeroing of
// fresh pages) happen on a thread that is not waiting for the data.
#pragma once

#include <cstddef>

namespace agc {

// Faults in the whole pages inside [data, data + size) as writable without changing their bytes
// (Linux MADV_POPULATE_WRITE): other threads may read and write the same bytes meanwhile. Pages
// only partly inside the range are left alone. Returns false where the system cannot (not
// Linux, a kernel older than 5.14) or part of the range is not writable memory of this process;
// true for a range without a whole page.
bool PopulateWritable(void* data, size_t size);

}  // namespace agc
