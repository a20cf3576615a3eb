"""Make LiteRT's XNNPACK pick the kernels it would pick on a CPU with fewer vector extensions than this one.

XNNPACK chooses its kernels once per process, from the flags the cpuinfo library read from CPUID. Both are
linked into the `ai_edge_litert` wheel's libpywrap_litert_common.so, where cpuinfo keeps the flags in a
struct of one-byte booleans, `cpuinfo_isa` (a local symbol that `nm` lists). `restrict_litert_to("avx2")`
runs cpuinfo's own initialization, then clears the AVX-512, AVX10, AMX and AVX-VNNI flags in that struct
before XNNPACK first reads it, so every interpreter of the process then runs XNNPACK's AVX2 kernels.

This is a stand-in for an AVX2-only machine, not one: the kernels are those such a machine runs, the core
executing them is still this one (its caches, clock, and how it issues 256-bit instructions). It relies on
the wheel's internals, so it checks them first and refuses with a RuntimeError when anything differs: the
symbol's size must match the struct below (cpuinfo's `struct cpuinfo_x86_isa` on x86-64, 86 fields), the
struct must agree with the kernel's /proc/cpuinfo flags, and XNNPACK must not have read it yet.
Used by `benchmarks/edge_models.py --isa avx2`.
"""

from __future__ import annotations

import ctypes
import os
import platform
import shutil
import subprocess

# cpuinfo's `struct cpuinfo_x86_isa` for x86-64 (include/cpuinfo.h), in order.
ISA_FIELDS = (
    "rdtscp rdpid sysenter msr clzero clflush clflushopt mwait mwaitx fxsave xsave three_d_now three_d_now_plus "
    "prefetch prefetchw prefetchwt1 sse3 ssse3 sse4_1 sse4_2 sse4a misaligned_sse avx avxvnni fma3 fma4 xop f16c "
    "avx2 avx512f avx512pf avx512er avx512cd avx512dq avx512bw avx512vl avx512ifma avx512vbmi avx512vbmi2 "
    "avx512bitalg avx512vpopcntdq avx512vnni avx512bf16 avx512fp16 avx512vp2intersect avx512_4vnniw avx512_4fmaps "
    "avx10_1 avx10_2 amx_bf16 amx_tile amx_int8 amx_fp16 amx_fp8 avx_vnni_int8 avx_vnni_int16 avx_ne_convert hle "
    "rtm xtest mpx cmpxchg16b clwb movbe lahf_sahf fs_gs_base lzcnt popcnt tbm bmi bmi2 adx aes vaes pclmulqdq "
    "vpclmulqdq gfni rdrand rdseed sha rng ace ace2 phe pmm lwp"
).split()
# Fields checked against the kernel's flag names (/proc/cpuinfo) before anything is written.
KERNEL_FLAGS = {"sse4_2": "sse4_2", "avx": "avx", "fma3": "fma", "avx2": "avx2", "avxvnni": "avx_vnni",
                "avx512f": "avx512f", "avx512bw": "avx512bw", "avx512vl": "avx512vl", "avx512vnni": "avx512_vnni",
                "bmi2": "bmi2", "popcnt": "popcnt"}
# The flags (by prefix) each stand-in clears: AVX2 = no AVX-512 of any kind, no AVX10, AMX or (256-bit) AVX-VNNI.
CLEARED = {"avx2": ("avx512", "avx10", "amx", "avxvnni", "avx_vnni", "avx_ne")}
LABELS = {"avx2": "an AVX2-only CPU"}


def _library() -> str:
    import ai_edge_litert.interpreter

    path = os.path.join(os.path.dirname(ai_edge_litert.interpreter.__file__), "libpywrap_litert_common.so")
    if not os.path.isfile(path):
        raise RuntimeError(f"this ai_edge_litert has no {path}; the ISA stand-in knows the 2.x wheel's layout only")
    return path


def _symbols(library: str) -> dict[str, tuple[int, int]]:
    """Offset and size of the library's local data and function symbols (`nm -S`)."""
    if shutil.which("nm") is None:
        raise RuntimeError("the ISA stand-in reads LiteRT's symbols with `nm` (binutils), which is not installed")
    listing = subprocess.run(["nm", "-S", library], capture_output=True, text=True, check=True).stdout
    symbols = {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 4:
            symbols[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
    return symbols


def _load_address(library: str) -> int:
    real = os.path.realpath(library)
    with open("/proc/self/maps", encoding="utf-8") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and int(fields[2], 16) == 0 and os.path.realpath(fields[5]) == real:
                return int(fields[0].split("-")[0], 16)
    raise RuntimeError(f"{library} is not mapped into this process")


def _isa_struct():
    """cpuinfo's flag struct in LiteRT's library, as writable bytes, after cpuinfo's initialization; and
    XNNPACK's hardware configuration (all zero until XNNPACK reads the flags)."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise RuntimeError(f"the ISA stand-in works on x86-64 Linux only; this is {platform.system()} "
                           f"{platform.machine()}")
    library = _library()
    symbols = _symbols(library)
    for name in ("cpuinfo_isa", "cpuinfo_initialize", "hardware_config"):
        if name not in symbols:
            raise RuntimeError(f"{library} has no symbol {name!r}; the ISA stand-in does not know this LiteRT build")
    offset, size = symbols["cpuinfo_isa"]
    if size != len(ISA_FIELDS):
        raise RuntimeError(f"cpuinfo_isa is {size} bytes in {library}, not the {len(ISA_FIELDS)} fields known here")
    base = _load_address(library)
    if not ctypes.CFUNCTYPE(ctypes.c_bool)(base + symbols["cpuinfo_initialize"][0])():
        raise RuntimeError("cpuinfo failed to initialize")
    config_offset, config_size = symbols["hardware_config"]
    config = bytes((ctypes.c_uint8 * config_size).from_address(base + config_offset))
    return (ctypes.c_uint8 * size).from_address(base + offset), config


def litert_isa_flags() -> dict[str, bool]:
    """The vector flags cpuinfo holds in LiteRT's library (after any restriction)."""
    isa, _ = _isa_struct()
    return {field: bool(isa[index]) for index, field in enumerate(ISA_FIELDS)}


def xnnpack_hardware_config() -> bytes:
    """XNNPACK's hardware configuration in LiteRT's library, as raw bytes: all zero until an interpreter has
    been allocated in this process, then what XNNPACK chose its kernels from."""
    return _isa_struct()[1]


def restrict_litert_to(level: str) -> list[str]:
    """Clear the flags `CLEARED[level]` names in LiteRT's cpuinfo before XNNPACK reads them; returns the flags
    cleared (empty where this CPU had none of them). Call it before any LiteRT interpreter is created."""
    if level not in CLEARED:
        raise ValueError(f"level must be one of {', '.join(map(repr, CLEARED))}; got {level!r}")
    isa, config = _isa_struct()
    if any(config):
        raise RuntimeError("XNNPACK already chose its kernels in this process (an interpreter was created); restrict "
                           "LiteRT to another ISA first thing in a fresh process")
    from tflite.litert import cpu_model_and_flags

    kernel = cpu_model_and_flags()[1]
    disagree = [field for field, flag in KERNEL_FLAGS.items() if bool(isa[ISA_FIELDS.index(field)]) != (flag in kernel)]
    if disagree:
        raise RuntimeError(f"cpuinfo's flags in LiteRT disagree with /proc/cpuinfo on {', '.join(disagree)}: the "
                           "struct layout is not the one known here, nothing was changed")
    cleared = [field for field in ISA_FIELDS if field.startswith(CLEARED[level]) and isa[ISA_FIELDS.index(field)]]
    for field in cleared:
        isa[ISA_FIELDS.index(field)] = 0
    return cleared
