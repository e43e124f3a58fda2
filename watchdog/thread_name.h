#pragma once
// Names the calling thread (Linux: at most 15 characters) so `top -H`, `ps -L` and a debugger
// show what each of the watchdog's fixed set of threads is for.

#include <pthread.h>

namespace watchdog {

inline void name_this_thread(const char* name) { ::pthread_setname_np(::pthread_self(), name); }

}  // namespace watchdog
