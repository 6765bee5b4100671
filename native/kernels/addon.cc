// Node-API binding of the native kernels (main/training/kernels/kernels-native.ts loads it).
//
// An instance owns one memory region, as a WebAssembly instance owns its memory. The region is a resizable
// ArrayBuffer that JavaScript creates and hands to `create(maxPages, buffer)` (V8-owned: its maximum is reserved as
// address space and pages are committed as it grows, so it never moves); `grow(pages)` — called after JavaScript
// resized the buffer — widens the instance's view by 64 KiB pages (returning the old page count, throwing RangeError
// past the maximum, as WebAssembly.Memory.grow does) and checks that the memory stayed where it was. It used to be
// this addon's own mapping (mmap, MAP_NORESERVE) under an external ArrayBuffer, but V8's sandbox — on in Electron —
// refuses external ArrayBuffers; memory V8 allocated is allowed everywhere. Every kernel takes byte offsets into that
// region, exactly as the WebAssembly kernels take offsets into theirs, so kernels-wasm.ts's KernelHeap and everything
// laid out over it work unchanged. Offset 0 means "none" (heapBase() is past it); offsets at or past the maximum
// throw instead of faulting.
//
// Instances are per JavaScript thread (the module is context-aware); inside a call, split.cc's threads (or oneDNN's
// OpenMP threads, setSplit(false)) do the work.
#include <node_api.h>
#include <omp.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "kernels.h"

namespace {

constexpr uint64_t PAGE = 65536;
constexpr uint64_t HEAP_BASE = 1024;

struct Instance {
  uint8_t* base = nullptr;
  uint64_t reserved = 0;     // the buffer's maximum, in bytes
  uint64_t size = 0;         // bytes in use (a whole number of pages)
  napi_ref buffer = nullptr;  // the resizable ArrayBuffer the memory is, held for the instance's life
};

/** Arguments of one kernel call: numbers as the WebAssembly kernels would coerce them, offsets checked. */
struct Call {
  napi_env env;
  Instance* in = nullptr;
  size_t argc = 40;
  napi_value argv[40];
  double v[40] = {};
  bool ok = true;

  Call(napi_env e, napi_callback_info info, const char* spec) : env(e) {
    napi_get_cb_info(e, info, &argc, argv, nullptr, reinterpret_cast<void**>(&in));
    const size_t n = std::strlen(spec);
    for (size_t i = 0; i < n; i++) {
      double d = 0;
      if (i < argc && napi_get_value_double(e, argv[i], &d) != napi_ok) d = 0;
      if (d != d) d = 0;  // NaN → 0, as ToInt32 gives
      if (spec[i] == 'p') {
        if (d < 0) d += 4294967296.0;  // the kernel threads' control block hands offsets over 2 GiB as int32
        if (d < 0 || (d != 0 && !(d < static_cast<double>(in->size)))) {
          napi_throw_range_error(e, nullptr, "native kernels: memory access out of bounds");
          ok = false;
          return;
        }
      }
      v[i] = d;
    }
  }
  int I(int i) const { return static_cast<int>(static_cast<int64_t>(v[i])); }
  long L(int i) const { return static_cast<long>(I(i)); }
  float F(int i) const { return static_cast<float>(v[i]); }
  template <class T = float>
  T* P(int i) const { return v[i] == 0 ? nullptr : reinterpret_cast<T*>(in->base + static_cast<uint64_t>(v[i])); }
  napi_value undefined() const {
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  }
  napi_value number(double d) const {
    napi_value r;
    napi_create_double(env, d, &r);
    return r;
  }
};

#define KERNEL(name, spec, body)                                   \
  napi_value js_##name(napi_env env, napi_callback_info info) {    \
    Call a(env, info, spec);                                       \
    if (!a.ok) return nullptr;                                     \
    body;                                                          \
  }

using namespace rnn;

KERNEL(heapBase, "", return a.number(HEAP_BASE))
KERNEL(transpose, "iipp", transpose(a.I(0), a.I(1), a.P(2), a.P(3)); return a.undefined())
KERNEL(addRows, "iipipi", addRows(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5)); return a.undefined())
KERNEL(scaleRows, "iipipi", scaleRows(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5)); return a.undefined())
KERNEL(columnSums, "iipip", columnSums(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4)); return a.undefined())
KERNEL(gemm, "iiipipipiip",
       gemm(a.I(0), a.I(1), a.I(2), a.P(3), a.L(4), a.P(5), a.L(6), a.P(7), a.L(8), a.I(9), a.P(10)); return a.undefined())
KERNEL(gemmTN, "iiipipipi",
       gemmTN(a.I(0), a.I(1), a.I(2), a.P(3), a.L(4), a.P(5), a.L(6), a.P(7), a.L(8)); return a.undefined())
KERNEL(sumOfSquares, "ip", return a.number(sumOfSquares(a.I(0), a.P(1))))
KERNEL(rmsprop, "ipppffffff",
       rmsprop(a.I(0), a.P(1), a.P(2), a.P(3), a.F(4), a.F(5), a.F(6), a.F(7), a.F(8), a.F(9)); return a.undefined())
KERNEL(adam, "ippppffffff",
       adam(a.I(0), a.P(1), a.P(2), a.P(3), a.P(4), a.F(5), a.F(6), a.F(7), a.F(8), a.F(9), a.F(10)); return a.undefined())
KERNEL(sgd, "ippfff", sgd(a.I(0), a.P(1), a.P(2), a.F(3), a.F(4), a.F(5)); return a.undefined())
KERNEL(simpleForward, "iipipii", simpleForward(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5), a.I(6)); return a.undefined())
KERNEL(simpleBackward, "iipipi", simpleBackward(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.I(5)); return a.undefined())
KERNEL(lstmForward, "iipippipipiii",
       lstmForward(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.P(5), a.L(6), a.P(7), a.L(8), a.P(9), a.L(10), a.I(11), a.I(12));
       return a.undefined())
KERNEL(lstmBackward, "iipipipippii",
       lstmBackward(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5), a.P(6), a.L(7), a.P(8), a.P(9), a.I(10), a.I(11));
       return a.undefined())
KERNEL(gruGates, "iipipipii", gruGates(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5), a.P(6), a.L(7), a.I(8)); return a.undefined())
KERNEL(gruOutput, "iipipipii", gruOutput(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5), a.P(6), a.L(7), a.I(8)); return a.undefined())
KERNEL(gruBackwardA, "iipipippii",
       gruBackwardA(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5), a.P(6), a.P(7), a.I(8), a.I(9)); return a.undefined())
KERNEL(gruBackwardB, "iipipippipi",
       gruBackwardB(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5), a.P(6), a.P(7), a.I(8), a.P(9), a.L(10)); return a.undefined())
KERNEL(gruResetAfter, "iipipii", gruResetAfter(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5), a.I(6)); return a.undefined())
KERNEL(gruBackwardResetAfter, "iipipii",
       gruBackwardResetAfter(a.I(0), a.I(1), a.P(2), a.L(3), a.P(4), a.L(5), a.I(6)); return a.undefined())
// kind batch steps features units x w r bias z h c tc rh act recAct goBackwards inMask inGates recMask xs hs mask recBias
KERNEL(seqForward, "iiiiipppppppppiiipippppp",
       seqForwardSplit(a.I(0), a.I(1), a.I(2), a.I(3), a.I(4), a.P(5), a.P(6), a.P(7), a.P(8), a.P(9), a.P(10), a.P(11), a.P(12), a.P(13),
                  a.I(14), a.I(15), a.I(16), a.P(17), a.I(18), a.P(19), a.P(20), a.P(21), a.P(22), a.P(23));
       return a.undefined())
// kind batch steps features units x wt rt z h c tc rh dy returnSequences goBackwards dh0 dh1 dc drh dW dR dB dx act recAct
// inMask inGates recMask xs hs dhNorm2 mask saved dRecBias
KERNEL(seqBackward, "iiiiipppppppppiippppppppiipippppppp",
       seqBackwardSplit(a.I(0), a.I(1), a.I(2), a.I(3), a.I(4), a.P(5), a.P(6), a.P(7), a.P(8), a.P(9), a.P(10), a.P(11), a.P(12), a.P(13),
                   a.I(14), a.I(15), a.P(16), a.P(17), a.P(18), a.P(19), a.P(20), a.P(21), a.P(22), a.P(23), a.I(24), a.I(25),
                   a.P(26), a.I(27), a.P(28), a.P(29), a.P(30), a.P(31), a.P(32), a.P(33), a.P(34));
       return a.undefined())
KERNEL(gatherRows, "pppiii",
       return a.number(gatherRows(a.P<void>(0), a.P<void>(1), a.P<int32_t>(2), a.I(3), a.I(4), a.I(5))))
KERNEL(segmentSum, "pppiii", segmentSum(a.P(0), a.P(1), a.P<int32_t>(2), a.I(3), a.I(4), a.I(5)); return a.undefined())

// --- memory ----------------------------------------------------------------------------------------------------

Instance* instanceOf(napi_env env, napi_callback_info info, size_t* argc = nullptr, napi_value* argv = nullptr) {
  Instance* in = nullptr;
  napi_get_cb_info(env, info, argc, argv, nullptr, reinterpret_cast<void**>(&in));
  return in;
}

/** Where the instance's buffer is now and how long (false when it is gone). */
bool bufferNow(napi_env env, Instance* in, uint8_t** data, size_t* length) {
  napi_value ab = nullptr;
  void* p = nullptr;
  if (!in->buffer || napi_get_reference_value(env, in->buffer, &ab) != napi_ok || !ab) return false;
  if (napi_get_arraybuffer_info(env, ab, &p, length) != napi_ok) return false;
  *data = static_cast<uint8_t*>(p);
  return true;
}

napi_value js_grow(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Instance* in = instanceOf(env, info, &argc, argv);
  double pages = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &pages) != napi_ok || !(pages >= 0)) {
    napi_throw_type_error(env, nullptr, "native kernels: grow(pages) takes a page count");
    return nullptr;
  }
  const uint64_t before = in->size / PAGE;
  if (static_cast<double>(in->size) + pages * PAGE > static_cast<double>(in->reserved)) {
    napi_throw_range_error(env, nullptr, "native kernels: memory cannot grow past its maximum");
    return nullptr;
  }
  const uint64_t next = in->size + static_cast<uint64_t>(pages) * PAGE;
  uint8_t* data = nullptr;
  size_t length = 0;
  // The kernels hold offsets, and split.cc's threads pointers, into this memory: it must not have moved.
  if (!bufferNow(env, in, &data, &length) || data != in->base || length < next) {
    napi_throw_error(env, nullptr, "native kernels: the kernels' memory moved or was not resized before grow()");
    return nullptr;
  }
  in->size = next;
  napi_value r;
  napi_create_double(env, static_cast<double>(before), &r);
  return r;
}

void forget(void* data) {
  Instance* in = static_cast<Instance*>(data);
  in->base = nullptr;
  in->size = in->reserved = 0;
}

/** The instance object became garbage: let V8 have its buffer back (no offset into it is ever valid again). */
void released(napi_env env, void* data, void*) {
  Instance* in = static_cast<Instance*>(data);
  if (in->buffer) napi_delete_reference(env, in->buffer);
  in->buffer = nullptr;
  forget(in);
}

napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double maxPages = 0;
  bool isBuffer = false;
  if (argc >= 2) napi_is_arraybuffer(env, argv[1], &isBuffer);
  if (argc < 2 || napi_get_value_double(env, argv[0], &maxPages) != napi_ok || !(maxPages >= 1) || !isBuffer) {
    napi_throw_type_error(env, nullptr,
                          "native kernels: create(maxPages, buffer) takes the page maximum and a resizable ArrayBuffer of that maximum");
    return nullptr;
  }
  auto* in = new Instance();  // small; kept until the environment ends
  in->reserved = static_cast<uint64_t>(maxPages) * PAGE;
  napi_create_reference(env, argv[1], 1, &in->buffer);
  size_t length = 0;
  if (!bufferNow(env, in, &in->base, &length) || length < PAGE || length % PAGE != 0) {
    napi_delete_reference(env, in->buffer);
    delete in;
    napi_throw_range_error(env, nullptr, "native kernels: the buffer must hold a whole number of 64 KiB pages, at least one");
    return nullptr;
  }
  in->size = length;
  napi_add_env_cleanup_hook(env, forget, in);

  napi_value obj;
  napi_create_object(env, &obj);
  struct Fn { const char* name; napi_callback cb; };
  const Fn fns[] = {
      {"grow", js_grow}, {"heapBase", js_heapBase}, {"transpose", js_transpose}, {"addRows", js_addRows},
      {"scaleRows", js_scaleRows}, {"columnSums", js_columnSums}, {"gemm", js_gemm}, {"gemmTN", js_gemmTN},
      {"sumOfSquares", js_sumOfSquares}, {"rmsprop", js_rmsprop}, {"adam", js_adam}, {"sgd", js_sgd},
      {"simpleForward", js_simpleForward}, {"simpleBackward", js_simpleBackward}, {"lstmForward", js_lstmForward},
      {"lstmBackward", js_lstmBackward}, {"gruGates", js_gruGates}, {"gruOutput", js_gruOutput}, {"gruBackwardA", js_gruBackwardA},
      {"gruBackwardB", js_gruBackwardB}, {"gruResetAfter", js_gruResetAfter}, {"gruBackwardResetAfter", js_gruBackwardResetAfter},
      {"seqForward", js_seqForward}, {"seqBackward", js_seqBackward}, {"gatherRows", js_gatherRows}, {"segmentSum", js_segmentSum},
  };
  for (const Fn& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, in, &fn);
    napi_set_named_property(env, obj, f.name, fn);
  }
  napi_add_finalizer(env, obj, in, released, nullptr, nullptr);
  return obj;
}

/** What runs the calls: { gemm: "oneDNN 2.6.3", isa: "AVX-512" | "AVX2 + FMA" | "SSE2", threads, split }. */
napi_value js_info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, rnn::gemmLabel(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "gemm", v);
  const char* isa = "SSE2";
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) isa = "AVX-512";
  else if (__builtin_cpu_supports("x86-64-v3")) isa = "AVX2 + FMA";
#else
  isa = "generic";
#endif
  napi_create_string_utf8(env, isa, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "isa", v);
  napi_create_int32(env, omp_get_max_threads(), &v);
  napi_set_named_property(env, obj, "threads", v);
  napi_get_boolean(env, rnn::splitting(), &v);
  napi_set_named_property(env, obj, "split", v);
  return obj;
}

/** setSplit(on): whole-sequence calls cut the batch across threads (true, the default) or leave oneDNN to thread each multiply. */
napi_value js_setSplit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool on = true;
  if (argc >= 1) napi_get_value_bool(env, argv[0], &on);
  rnn::setSplit(on);
  napi_value r;
  napi_get_boolean(env, rnn::splitting(), &r);
  return r;
}

/** setThreads(n): how many threads this JavaScript thread's calls use (OpenMP's count: the slices, or oneDNN's team). */
napi_value js_setThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 0;
  if (argc >= 1 && napi_get_value_int32(env, argv[0], &n) == napi_ok && n >= 1) omp_set_num_threads(n);
  napi_value r;
  napi_create_int32(env, omp_get_max_threads(), &r);
  return r;
}

}  // namespace

NAPI_MODULE_INIT() {
  const struct { const char* name; napi_callback cb; } fns[] = {{"create", js_create}, {"info", js_info}, {"setThreads", js_setThreads}, {"setSplit", js_setSplit}};
  for (const auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  return exports;
}
