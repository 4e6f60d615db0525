/*
 * C-API parity scenarios: the same work as tests/parity_behaviour.rs, written against webgpu.h directly.
 *
 * Usage: parity SCENARIO, with SCENARIO one of buffer_roundtrip, compute, map_states, error_scope,
 * limits_features, timestamp, labels, immediates. Each prints `key=value` lines on stdout; the Rust test prints the same keys
 * through the safe `dawn` crate and compares them field by field.
 *
 * Built by the root build.rs twice: linked to Dawn (the default), and, when the pinned kit carries it,
 * linked to wgpu-native with PARITY_WGPU_NATIVE defined (no Dawn-only extensions, and waits that poll
 * with wgpuInstanceProcessEvents, because wgpu-native panics in a timed wgpuInstanceWaitAny).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webgpu.h"

#ifndef PARITY_WGPU_NATIVE
/* Dawn-only declarations (dawn-sys/src/dawn_ext.rs has the same). */
#define PARITY_STYPE_DAWN_TOGGLES ((WGPUSType)0x0005000A)
#define PARITY_FEATURE_IMPLICIT_DEVICE_SYNCHRONIZATION ((WGPUFeatureName)0x00050004)
typedef struct {
    WGPUChainedStruct chain;
    size_t enabledToggleCount;
    const char *const *enabledToggles;
    size_t disabledToggleCount;
    const char *const *disabledToggles;
} ParityDawnTogglesDescriptor;
#endif

static WGPUInstance instance;
static WGPUAdapter adapter;
static WGPUDevice device;
static WGPUQueue queue;

/* Uncaptured errors, as the Rust test helper records them. */
static int uncaptured_count;
static WGPUErrorType uncaptured_type;

/* ---------------------------------------------------------------------------------------------------- */
/* Output */

static WGPUStringView sv(const char *s) {
    WGPUStringView v = {s, WGPU_STRLEN};
    return v;
}

/* Prints a string view as one line (newlines become spaces). */
static void print_view(const char *key, WGPUStringView v) {
    printf("%s=", key);
    if (v.data) {
        size_t n = v.length == WGPU_STRLEN ? strlen(v.data) : v.length;
        for (size_t i = 0; i < n; i++) putchar(v.data[i] == '\n' ? ' ' : v.data[i]);
    }
    putchar('\n');
}

static void die(const char *what) {
    fprintf(stderr, "parity: %s\n", what);
    exit(2);
}

#define NAME_OR_NUMBER(key, value, names)                                                   \
    do {                                                                                    \
        unsigned v_ = (unsigned)(value);                                                    \
        if (v_ < sizeof(names) / sizeof(names[0]) && names[v_]) printf("%s=%s\n", key, names[v_]); \
        else printf("%s=0x%x\n", key, v_);                                                   \
    } while (0)

static const char *MAP_STATE[] = {[WGPUBufferMapState_Unmapped] = "Unmapped",
                                  [WGPUBufferMapState_Pending] = "Pending",
                                  [WGPUBufferMapState_Mapped] = "Mapped"};
static const char *MAP_STATUS[] = {[WGPUMapAsyncStatus_Success] = "Success",
                                   [WGPUMapAsyncStatus_CallbackCancelled] = "CallbackCancelled",
                                   [WGPUMapAsyncStatus_Error] = "Error",
                                   [WGPUMapAsyncStatus_Aborted] = "Aborted"};
static const char *ERROR_TYPE[] = {[WGPUErrorType_NoError] = "NoError",
                                   [WGPUErrorType_Validation] = "Validation",
                                   [WGPUErrorType_OutOfMemory] = "OutOfMemory",
                                   [WGPUErrorType_Internal] = "Internal",
                                   [WGPUErrorType_Unknown] = "Unknown"};
static const char *QUERY_TYPE[] = {[WGPUQueryType_Occlusion] = "Occlusion",
                                   [WGPUQueryType_Timestamp] = "Timestamp"};
static const char *MESSAGE_TYPE[] = {[WGPUCompilationMessageType_Error] = "Error",
                                     [WGPUCompilationMessageType_Warning] = "Warning",
                                     [WGPUCompilationMessageType_Info] = "Info"};

static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Prints `key=count:0x..,0x..` with the values sorted. */
static void print_set(const char *key, const uint32_t *values, size_t n) {
    uint32_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (n) memcpy(sorted, values, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_u32);
    printf("%s=%zu:", key, n);
    for (size_t i = 0; i < n; i++) printf("%s0x%08x", i ? "," : "", sorted[i]);
    putchar('\n');
    free(sorted);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Waiting */

static void wait_for(WGPUFuture future, const int *done) {
#ifdef PARITY_WGPU_NATIVE
    (void)future;
    for (int i = 0; i < 60000 && !*done; i++) {
        wgpuInstanceProcessEvents(instance);
        if (!*done) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
    }
#else
    WGPUFutureWaitInfo info = {future, 0};
    for (int i = 0; i < 60 && !*done; i++) {
        WGPUWaitStatus s = wgpuInstanceWaitAny(instance, 1, &info, 1000000000ull);
        if (s != WGPUWaitStatus_Success && s != WGPUWaitStatus_TimedOut) die("wgpuInstanceWaitAny failed");
    }
#endif
    if (!*done) die("an operation did not complete within 60 s");
}

/* ---------------------------------------------------------------------------------------------------- */
/* Setup: the same instance, adapter and device as dawn_suite::Gpu::new() */

static void on_adapter(WGPURequestAdapterStatus status, WGPUAdapter a, WGPUStringView message, void *done,
                       void *unused) {
    (void)unused;
    if (status != WGPURequestAdapterStatus_Success) print_view("setup.adapter_error", message);
    adapter = a;
    *(int *)done = 1;
}

static void on_device(WGPURequestDeviceStatus status, WGPUDevice d, WGPUStringView message, void *done,
                      void *unused) {
    (void)unused;
    if (status != WGPURequestDeviceStatus_Success) print_view("setup.device_error", message);
    device = d;
    *(int *)done = 1;
}

static void on_uncaptured(WGPUDevice const *d, WGPUErrorType type, WGPUStringView message, void *u1, void *u2) {
    (void)d, (void)message, (void)u1, (void)u2;
    uncaptured_count++;
    uncaptured_type = type;
}

static void on_lost(WGPUDevice const *d, WGPUDeviceLostReason reason, WGPUStringView message, void *u1,
                    void *u2) {
    (void)d, (void)reason, (void)message, (void)u1, (void)u2;
}

static void setup(void) {
    WGPUInstanceDescriptor idesc = {0};
#ifndef PARITY_WGPU_NATIVE
    WGPUInstanceFeatureName ifeatures[] = {WGPUInstanceFeatureName_TimedWaitAny};
    idesc.requiredFeatureCount = 1;
    idesc.requiredFeatures = ifeatures;
#endif
    instance = wgpuCreateInstance(&idesc);
    if (!instance) die("wgpuCreateInstance failed");

    WGPURequestAdapterOptions options = {0};
    int done = 0;
    WGPURequestAdapterCallbackInfo ainfo = {0};
    ainfo.mode = WGPUCallbackMode_AllowProcessEvents;
    ainfo.callback = on_adapter;
    ainfo.userdata1 = &done;
    wait_for(wgpuInstanceRequestAdapter(instance, &options, ainfo), &done);
    if (!adapter) die("no adapter");

    WGPUFeatureName features[2];
    size_t feature_count = 0;
    if (wgpuAdapterHasFeature(adapter, WGPUFeatureName_TimestampQuery))
        features[feature_count++] = WGPUFeatureName_TimestampQuery;
    WGPUDeviceDescriptor ddesc = {0};
#ifndef PARITY_WGPU_NATIVE
    /* What the safe crate always asks for: implicit synchronization, no timestamp quantization. */
    features[feature_count++] = PARITY_FEATURE_IMPLICIT_DEVICE_SYNCHRONIZATION;
    const char *disabled[] = {"timestamp_quantization"};
    ParityDawnTogglesDescriptor toggles = {{NULL, PARITY_STYPE_DAWN_TOGGLES}, 0, NULL, 1, disabled};
    ddesc.nextInChain = &toggles.chain;
#endif
    ddesc.label = sv("test device");
    ddesc.requiredFeatureCount = feature_count;
    ddesc.requiredFeatures = features;
    ddesc.deviceLostCallbackInfo.mode = WGPUCallbackMode_AllowSpontaneous;
    ddesc.deviceLostCallbackInfo.callback = on_lost;
    ddesc.uncapturedErrorCallbackInfo.callback = on_uncaptured;
    done = 0;
    WGPURequestDeviceCallbackInfo dinfo = {0};
    dinfo.mode = WGPUCallbackMode_AllowProcessEvents;
    dinfo.callback = on_device;
    dinfo.userdata1 = &done;
    wait_for(wgpuAdapterRequestDevice(adapter, &ddesc, dinfo), &done);
    if (!device) die("no device");
    queue = wgpuDeviceGetQueue(device);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Helpers */

typedef struct {
    int done;
    WGPUMapAsyncStatus status;
} MapResult;

static void on_map(WGPUMapAsyncStatus status, WGPUStringView message, void *result, void *unused) {
    (void)message, (void)unused;
    ((MapResult *)result)->status = status;
    ((MapResult *)result)->done = 1;
}

/* Spontaneous, as the safe crate maps: an idle buffer's map completes inside wgpuBufferMapAsync. */
static WGPUFuture map_async(WGPUBuffer b, WGPUMapMode mode, size_t size, MapResult *result) {
    WGPUBufferMapCallbackInfo info = {0};
    info.mode = WGPUCallbackMode_AllowSpontaneous;
    info.callback = on_map;
    info.userdata1 = result;
    result->done = 0;
    return wgpuBufferMapAsync(b, mode, 0, size, info);
}

typedef struct {
    int done;
    WGPUPopErrorScopeStatus status;
    WGPUErrorType type;
    char message[4096];
} PopResult;

static void on_pop(WGPUPopErrorScopeStatus status, WGPUErrorType type, WGPUStringView message, void *result,
                   void *unused) {
    (void)unused;
    PopResult *r = result;
    r->status = status;
    r->type = type;
    size_t n = 0;
    if (message.data) {
        n = message.length == WGPU_STRLEN ? strlen(message.data) : message.length;
        if (n >= sizeof r->message) n = sizeof r->message - 1;
        memcpy(r->message, message.data, n);
    }
    r->message[n] = 0;
    r->done = 1;
}

static PopResult pop_scope(void) {
    static PopResult r;
    memset(&r, 0, sizeof r);
    WGPUPopErrorScopeCallbackInfo info = {0};
    info.mode = WGPUCallbackMode_AllowProcessEvents;
    info.callback = on_pop;
    info.userdata1 = &r;
    wait_for(wgpuDevicePopErrorScope(device, info), &r.done);
    return r;
}

static void print_pop(const char *prefix, PopResult r) {
    char key[256];
    snprintf(key, sizeof key, "%s.type", prefix);
    NAME_OR_NUMBER(key, r.type, ERROR_TYPE);
    snprintf(key, sizeof key, "%s.message", prefix);
    print_view(key, sv(r.message));
}

static WGPUBuffer make_buffer(const char *label, uint64_t size, WGPUBufferUsage usage, int mapped) {
    WGPUBufferDescriptor desc = {0};
    desc.label = sv(label);
    desc.size = size;
    desc.usage = usage;
    desc.mappedAtCreation = mapped;
    return wgpuDeviceCreateBuffer(device, &desc);
}

static void submit(WGPUCommandEncoder encoder) {
    WGPUCommandBuffer commands = wgpuCommandEncoderFinish(encoder, NULL);
    wgpuQueueSubmit(queue, 1, &commands);
    wgpuCommandBufferRelease(commands);
    wgpuCommandEncoderRelease(encoder);
}

/* Copies `size` bytes of `source` into a new mappable buffer, maps it and returns a copy of the bytes. */
static uint8_t *read_back(WGPUBuffer source, uint64_t size) {
    WGPUBuffer staging = make_buffer("read_back staging", size, WGPUBufferUsage_MapRead | WGPUBufferUsage_CopyDst, 0);
    WGPUCommandEncoder encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    wgpuCommandEncoderCopyBufferToBuffer(encoder, source, 0, staging, 0, size);
    submit(encoder);
    MapResult m;
    wait_for(map_async(staging, WGPUMapMode_Read, size, &m), &m.done);
    if (m.status != WGPUMapAsyncStatus_Success) die("read_back: map failed");
    uint8_t *out = malloc(size);
    memcpy(out, wgpuBufferGetConstMappedRange(staging, 0, size), size);
    wgpuBufferUnmap(staging);
    wgpuBufferRelease(staging);
    return out;
}

static WGPUShaderModule make_module(const char *label, const char *code) {
    WGPUShaderSourceWGSL wgsl = {{NULL, WGPUSType_ShaderSourceWGSL}, sv(code)};
    WGPUShaderModuleDescriptor desc = {&wgsl.chain, sv(label)};
    return wgpuDeviceCreateShaderModule(device, &desc);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Scenarios (tests/parity_behaviour.rs mirrors each one) */

#define WORDS 1024u

static void buffer_roundtrip(void) {
    const uint64_t size = WORDS * 4;
    WGPUBuffer src = make_buffer("roundtrip src", size, WGPUBufferUsage_CopySrc | WGPUBufferUsage_CopyDst, 1);
    uint32_t *words = wgpuBufferGetMappedRange(src, 0, size);
    for (uint32_t i = 0; i < WORDS; i++) words[i] = i * 2654435761u;
    wgpuBufferUnmap(src);
    uint32_t patch[16];
    for (int i = 0; i < 16; i++) patch[i] = 0xDEADBEEFu ^ (uint32_t)i;
    wgpuQueueWriteBuffer(queue, src, 256, patch, sizeof patch);

    WGPUBuffer dst = make_buffer("roundtrip dst", size, WGPUBufferUsage_MapRead | WGPUBufferUsage_CopyDst, 0);
    WGPUCommandEncoder encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    wgpuCommandEncoderCopyBufferToBuffer(encoder, src, 0, dst, 0, size);
    submit(encoder);
    MapResult m;
    wait_for(map_async(dst, WGPUMapMode_Read, size, &m), &m.done);
    NAME_OR_NUMBER("roundtrip.map_status", m.status, MAP_STATUS);
    printf("roundtrip.size=%" PRIu64 "\n", wgpuBufferGetSize(dst));
    printf("roundtrip.usage=0x%" PRIx64 "\n", (uint64_t)wgpuBufferGetUsage(dst));
    const uint32_t *out = wgpuBufferGetConstMappedRange(dst, 0, size);
    printf("roundtrip.fnv1a=0x%016" PRIx64 "\n", fnv1a((const uint8_t *)out, size));
    printf("roundtrip.word0=0x%08x\n", out[0]);
    printf("roundtrip.word64=0x%08x\n", out[64]);
    printf("roundtrip.word1023=0x%08x\n", out[WORDS - 1]);
    uint32_t pair[2] = {0, 0};
    WGPUStatus rs = wgpuBufferReadMappedRange(dst, 256, pair, sizeof pair);
    printf("roundtrip.read_mapped_range=%s:0x%08x,0x%08x\n", rs == WGPUStatus_Success ? "Success" : "Error", pair[0],
           pair[1]);
    wgpuBufferUnmap(dst);
    NAME_OR_NUMBER("roundtrip.state_after_unmap", wgpuBufferGetMapState(dst), MAP_STATE);
    wgpuBufferRelease(dst);
    wgpuBufferRelease(src);
}

static const char *COMPUTE_WGSL =
    "override K: u32 = 1u;\n"
    "@group(0) @binding(0) var<storage, read> src: array<u32>;\n"
    "@group(0) @binding(1) var<storage, read_write> dst: array<u32>;\n"
    "@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {\n"
    "    let i = id.x;\n"
    "    if (i < arrayLength(&dst)) { dst[i] = src[i] * K + i * i; }\n"
    "}\n";

static void compute(void) {
    const uint32_t n = 4096;
    WGPUBuffer src = make_buffer("compute src", n * 4, WGPUBufferUsage_Storage, 1);
    uint32_t *in = wgpuBufferGetMappedRange(src, 0, n * 4);
    for (uint32_t i = 0; i < n; i++) in[i] = i ^ 0x5a5au;
    wgpuBufferUnmap(src);
    WGPUBuffer dst = make_buffer("compute dst", n * 4, WGPUBufferUsage_Storage | WGPUBufferUsage_CopySrc, 0);

    WGPUShaderModule module = make_module("compute", COMPUTE_WGSL);
    WGPUConstantEntry k = {NULL, sv("K"), 3.0};
    WGPUComputePipelineDescriptor pdesc = {0};
    pdesc.label = sv("compute");
    pdesc.compute.module = module;
    pdesc.compute.entryPoint = (WGPUStringView){NULL, WGPU_STRLEN};
    pdesc.compute.constantCount = 1;
    pdesc.compute.constants = &k;
    WGPUComputePipeline pipeline = wgpuDeviceCreateComputePipeline(device, &pdesc);
    WGPUBindGroupLayout layout = wgpuComputePipelineGetBindGroupLayout(pipeline, 0);
    WGPUBindGroupEntry entries[2] = {{0}, {0}};
    entries[0].binding = 0;
    entries[0].buffer = src;
    entries[0].size = WGPU_WHOLE_SIZE;
    entries[1].binding = 1;
    entries[1].buffer = dst;
    entries[1].size = WGPU_WHOLE_SIZE;
    WGPUBindGroupDescriptor bdesc = {NULL, sv("compute"), layout, 2, entries};
    WGPUBindGroup group = wgpuDeviceCreateBindGroup(device, &bdesc);

    WGPUCommandEncoder encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    WGPUComputePassEncoder pass = wgpuCommandEncoderBeginComputePass(encoder, NULL);
    wgpuComputePassEncoderSetPipeline(pass, pipeline);
    wgpuComputePassEncoderSetBindGroup(pass, 0, group, 0, NULL);
    wgpuComputePassEncoderDispatchWorkgroups(pass, n / 64, 1, 1);
    wgpuComputePassEncoderEnd(pass);
    wgpuComputePassEncoderRelease(pass);
    submit(encoder);

    uint32_t *out = (uint32_t *)read_back(dst, n * 4);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) sum += out[i];
    printf("compute.sum=%" PRIu64 "\n", sum);
    printf("compute.fnv1a=0x%016" PRIx64 "\n", fnv1a((const uint8_t *)out, n * 4));
    printf("compute.out0=%u\n", out[0]);
    printf("compute.out1=%u\n", out[1]);
    printf("compute.out4095=%u\n", out[n - 1]);
    free(out);
    printf("compute.uncaptured=%d\n", uncaptured_count);
    wgpuBindGroupRelease(group);
    wgpuBindGroupLayoutRelease(layout);
    wgpuComputePipelineRelease(pipeline);
    wgpuShaderModuleRelease(module);
    wgpuBufferRelease(dst);
    wgpuBufferRelease(src);
}

static void map_states(void) {
    WGPUBuffer b = make_buffer("map states", 16, WGPUBufferUsage_MapRead | WGPUBufferUsage_CopyDst, 0);
    NAME_OR_NUMBER("map.created", wgpuBufferGetMapState(b), MAP_STATE);
    MapResult m;
    WGPUFuture f = map_async(b, WGPUMapMode_Read, 16, &m);
    NAME_OR_NUMBER("map.after_map_async", wgpuBufferGetMapState(b), MAP_STATE);
    wait_for(f, &m.done);
    NAME_OR_NUMBER("map.status", m.status, MAP_STATUS);
    NAME_OR_NUMBER("map.after_wait", wgpuBufferGetMapState(b), MAP_STATE);
    wgpuBufferUnmap(b);
    NAME_OR_NUMBER("map.after_unmap", wgpuBufferGetMapState(b), MAP_STATE);

    f = map_async(b, WGPUMapMode_Read, 16, &m);
    NAME_OR_NUMBER("map.again", wgpuBufferGetMapState(b), MAP_STATE);
    wgpuBufferUnmap(b);
    NAME_OR_NUMBER("map.unmapped_while_pending", wgpuBufferGetMapState(b), MAP_STATE);
    wait_for(f, &m.done);
    NAME_OR_NUMBER("map.aborted_status", m.status, MAP_STATUS);
    NAME_OR_NUMBER("map.after_abort", wgpuBufferGetMapState(b), MAP_STATE);

    WGPUBuffer w = make_buffer("mapped at creation", 16, WGPUBufferUsage_MapWrite | WGPUBufferUsage_CopySrc, 1);
    NAME_OR_NUMBER("map.mapped_at_creation", wgpuBufferGetMapState(w), MAP_STATE);
    wgpuBufferUnmap(w);
    NAME_OR_NUMBER("map.mapped_at_creation_unmapped", wgpuBufferGetMapState(w), MAP_STATE);
    f = map_async(w, WGPUMapMode_Write, 16, &m);
    wait_for(f, &m.done);
    NAME_OR_NUMBER("map.write_status", m.status, MAP_STATUS);
    NAME_OR_NUMBER("map.write_mapped", wgpuBufferGetMapState(w), MAP_STATE);
    wgpuBufferDestroy(w);
    NAME_OR_NUMBER("map.after_destroy", wgpuBufferGetMapState(w), MAP_STATE);
    printf("map.uncaptured=%d\n", uncaptured_count);
    wgpuBufferRelease(w);
    wgpuBufferRelease(b);
}

typedef struct {
    int done;
    WGPUCompilationInfoRequestStatus status;
    size_t count;
    WGPUCompilationMessageType type;
    uint64_t line, column;
} InfoResult;

static void on_info(WGPUCompilationInfoRequestStatus status, struct WGPUCompilationInfo const *info, void *result,
                    void *unused) {
    (void)unused;
    InfoResult *r = result;
    r->status = status;
    if (info) {
        r->count = info->messageCount;
        if (info->messageCount) {
            r->type = info->messages[0].type;
            r->line = info->messages[0].lineNum;
            r->column = info->messages[0].linePos;
        }
    }
    r->done = 1;
}

static void error_scope(void) {
    const WGPUBufferUsage bad = WGPUBufferUsage_MapRead | WGPUBufferUsage_Storage;

    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    WGPUBuffer b = make_buffer("bad buffer", 16, bad, 0);
    print_pop("scope.invalid", pop_scope());
    wgpuBufferRelease(b);

    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    b = make_buffer("good buffer", 16, WGPUBufferUsage_Storage, 0);
    print_pop("scope.valid", pop_scope());
    wgpuBufferRelease(b);

    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_OutOfMemory);
    b = make_buffer("bad buffer", 16, bad, 0);
    print_pop("scope.nested_inner_oom", pop_scope());
    print_pop("scope.nested_outer_validation", pop_scope());
    wgpuBufferRelease(b);

    int before = uncaptured_count;
    b = make_buffer("uncaptured buffer", 16, bad, 0);
    printf("scope.uncaptured_count=%d\n", uncaptured_count - before);
    if (uncaptured_count > before) NAME_OR_NUMBER("scope.uncaptured_type", uncaptured_type, ERROR_TYPE);
    wgpuBufferRelease(b);

    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    WGPUShaderModule module = make_module("broken", "@compute @workgroup_size(1) fn main() {\n  let x: u32 = ;\n}\n");
    print_pop("scope.shader", pop_scope());
    InfoResult info = {0};
    WGPUCompilationInfoCallbackInfo cinfo = {0};
    cinfo.mode = WGPUCallbackMode_AllowProcessEvents;
    cinfo.callback = on_info;
    cinfo.userdata1 = &info;
    wait_for(wgpuShaderModuleGetCompilationInfo(module, cinfo), &info.done);
    printf("scope.shader_messages=%zu\n", info.count);
    if (info.count) {
        NAME_OR_NUMBER("scope.shader_message_type", info.type, MESSAGE_TYPE);
        printf("scope.shader_message_at=%" PRIu64 ":%" PRIu64 "\n", info.line, info.column);
    }
    wgpuShaderModuleRelease(module);
}

#define LIMIT_FIELDS(X)                                                                                    \
    X(maxTextureDimension1D) X(maxTextureDimension2D) X(maxTextureDimension3D) X(maxTextureArrayLayers)     \
    X(maxBindGroups) X(maxBindGroupsPlusVertexBuffers) X(maxBindingsPerBindGroup)                          \
    X(maxDynamicUniformBuffersPerPipelineLayout) X(maxDynamicStorageBuffersPerPipelineLayout)              \
    X(maxSampledTexturesPerShaderStage) X(maxSamplersPerShaderStage) X(maxStorageBuffersPerShaderStage)    \
    X(maxStorageTexturesPerShaderStage) X(maxUniformBuffersPerShaderStage) X(maxUniformBufferBindingSize)  \
    X(maxStorageBufferBindingSize) X(minUniformBufferOffsetAlignment) X(minStorageBufferOffsetAlignment)   \
    X(maxVertexBuffers) X(maxBufferSize) X(maxVertexAttributes) X(maxVertexBufferArrayStride)              \
    X(maxInterStageShaderVariables) X(maxColorAttachments) X(maxColorAttachmentBytesPerSample)             \
    X(maxComputeWorkgroupStorageSize) X(maxComputeInvocationsPerWorkgroup) X(maxComputeWorkgroupSizeX)     \
    X(maxComputeWorkgroupSizeY) X(maxComputeWorkgroupSizeZ) X(maxComputeWorkgroupsPerDimension)            \
    X(maxImmediateSize)

static void print_limits(const char *prefix, const WGPULimits *l) {
#define PRINT_LIMIT(field) printf("%s.%s=%" PRIu64 "\n", prefix, #field, (uint64_t)l->field);
    LIMIT_FIELDS(PRINT_LIMIT)
#undef PRINT_LIMIT
}

static WGPULimits undefined_limits(void) {
    WGPULimits l = {0};
#define UNDEFINE(field) l.field = (__typeof__(l.field))-1;
    LIMIT_FIELDS(UNDEFINE)
#undef UNDEFINE
    return l;
}

static void print_features(const char *key, WGPUSupportedFeatures f) {
    print_set(key, (const uint32_t *)f.features, f.featureCount);
}

static void limits_features(void) {
    WGPUAdapterInfo info = {0};
    if (wgpuAdapterGetInfo(adapter, &info) != WGPUStatus_Success) die("wgpuAdapterGetInfo failed");
    print_view("adapter.vendor", info.vendor);
    print_view("adapter.architecture", info.architecture);
    print_view("adapter.device", info.device);
    print_view("adapter.description", info.description);
    printf("adapter.backend_type=0x%x\n", (unsigned)info.backendType);
    printf("adapter.adapter_type=0x%x\n", (unsigned)info.adapterType);
    printf("adapter.vendor_id=0x%x\n", info.vendorID);
    printf("adapter.device_id=0x%x\n", info.deviceID);
    printf("adapter.subgroup_sizes=%u..%u\n", info.subgroupMinSize, info.subgroupMaxSize);
    wgpuAdapterInfoFreeMembers(info);

    WGPULimits limits = undefined_limits();
    WGPUStatus s = wgpuAdapterGetLimits(adapter, &limits);
    printf("adapter.get_limits=%s\n", s == WGPUStatus_Success ? "Success" : "Error");
    print_limits("adapter.limit", &limits);
    WGPUSupportedFeatures features = {0};
    wgpuAdapterGetFeatures(adapter, &features);
    print_features("adapter.features", features);
    wgpuSupportedFeaturesFreeMembers(features);
    printf("adapter.has_timestamp_query=%d\n", wgpuAdapterHasFeature(adapter, WGPUFeatureName_TimestampQuery) ? 1 : 0);

    limits = undefined_limits();
    wgpuDeviceGetLimits(device, &limits);
    print_limits("device.limit", &limits);
    memset(&features, 0, sizeof features);
    wgpuDeviceGetFeatures(device, &features);
    print_features("device.features", features);
    wgpuSupportedFeaturesFreeMembers(features);
    printf("device.has_shader_f16=%d\n", wgpuDeviceHasFeature(device, WGPUFeatureName_ShaderF16) ? 1 : 0);
    memset(&info, 0, sizeof info);
    if (wgpuDeviceGetAdapterInfo(device, &info) == WGPUStatus_Success) {
        print_view("device.adapter_description", info.description);
        wgpuAdapterInfoFreeMembers(info);
    }

    WGPUSupportedInstanceFeatures ifeatures = {0};
    wgpuGetInstanceFeatures(&ifeatures);
    print_set("instance.features", (const uint32_t *)ifeatures.features, ifeatures.featureCount);
    wgpuSupportedInstanceFeaturesFreeMembers(ifeatures);
    printf("instance.has_timed_wait_any=%d\n", wgpuHasInstanceFeature(WGPUInstanceFeatureName_TimedWaitAny) ? 1 : 0);
    WGPUInstanceLimits ilimits = {0};
    s = wgpuGetInstanceLimits(&ilimits);
    printf("instance.limits=%s:%zu\n", s == WGPUStatus_Success ? "Success" : "Error", ilimits.timedWaitAnyMaxCount);
    WGPUSupportedWGSLLanguageFeatures wgsl = {0};
    wgpuInstanceGetWGSLLanguageFeatures(instance, &wgsl);
    print_set("instance.wgsl_features", (const uint32_t *)wgsl.features, wgsl.featureCount);
    wgpuSupportedWGSLLanguageFeaturesFreeMembers(wgsl);
    printf("instance.has_wgsl_pointer_composite_access=%d\n",
           wgpuInstanceHasWGSLLanguageFeature(instance, WGPUWGSLLanguageFeatureName_PointerCompositeAccess) ? 1 : 0);
}

static void timestamp(void) {
    int available = wgpuDeviceHasFeature(device, WGPUFeatureName_TimestampQuery) ? 1 : 0;
    printf("ts.available=%d\n", available);
    if (!available) return;
    WGPUQuerySetDescriptor qdesc = {NULL, sv("timestamps"), WGPUQueryType_Timestamp, 4};
    WGPUQuerySet qs = wgpuDeviceCreateQuerySet(device, &qdesc);
    printf("ts.count=%u\n", wgpuQuerySetGetCount(qs));
    NAME_OR_NUMBER("ts.type", wgpuQuerySetGetType(qs), QUERY_TYPE);

    WGPUBuffer resolve = make_buffer("resolve", 32, WGPUBufferUsage_QueryResolve | WGPUBufferUsage_CopySrc, 0);
    WGPUCommandEncoder encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    WGPUPassTimestampWrites writes = {NULL, qs, 0, 1};
    WGPUComputePassDescriptor pdesc = {NULL, sv("timed pass"), &writes};
    WGPUComputePassEncoder pass = wgpuCommandEncoderBeginComputePass(encoder, &pdesc);
    wgpuComputePassEncoderEnd(pass);
    wgpuComputePassEncoderRelease(pass);
    wgpuCommandEncoderResolveQuerySet(encoder, qs, 0, 2, resolve, 0);
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    submit(encoder);
    PopResult r = pop_scope();
    NAME_OR_NUMBER("ts.submit_error", r.type, ERROR_TYPE);
    uint64_t *t = (uint64_t *)read_back(resolve, 32);
    printf("ts.begin_nonzero=%d\n", t[0] != 0);
    printf("ts.end_ge_begin=%d\n", t[1] >= t[0]);
    printf("ts.unwritten_zero=%d\n", t[2] == 0 && t[3] == 0);
    free(t);

    /* Timestamps outside passes: Dawn refuses them without allow_unsafe_apis. */
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    wgpuCommandEncoderWriteTimestamp(encoder, qs, 2);
    WGPUCommandBuffer commands = wgpuCommandEncoderFinish(encoder, NULL);
    r = pop_scope();
    NAME_OR_NUMBER("ts.write_timestamp_error", r.type, ERROR_TYPE);
    wgpuCommandBufferRelease(commands);
    wgpuCommandEncoderRelease(encoder);

    wgpuQuerySetDestroy(qs);
    printf("ts.count_after_destroy=%u\n", wgpuQuerySetGetCount(qs));
    wgpuQuerySetRelease(qs);
    wgpuBufferRelease(resolve);
}

static void labels(void) {
    wgpuDeviceSetLabel(device, sv("relabelled device"));
    wgpuQueueSetLabel(queue, sv("relabelled queue"));
    WGPUBuffer b = make_buffer("first label", 16, WGPUBufferUsage_Storage | WGPUBufferUsage_CopyDst, 0);
    wgpuBufferSetLabel(b, sv("relabelled buffer"));

    /* A clear of 3 bytes is invalid: the message names the encoder and the buffer. */
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    WGPUCommandEncoder encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    wgpuCommandEncoderSetLabel(encoder, sv("relabelled encoder"));
    wgpuCommandEncoderClearBuffer(encoder, b, 0, 3);
    WGPUCommandBuffer commands = wgpuCommandEncoderFinish(encoder, NULL);
    print_pop("labels.encoder", pop_scope());
    wgpuCommandBufferRelease(commands);
    wgpuCommandEncoderRelease(encoder);

    /* A dispatch without a pipeline: the message names the pass. */
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    WGPUComputePassEncoder pass = wgpuCommandEncoderBeginComputePass(encoder, NULL);
    wgpuComputePassEncoderSetLabel(pass, sv("relabelled pass"));
    wgpuComputePassEncoderDispatchWorkgroups(pass, 1, 1, 1);
    wgpuComputePassEncoderEnd(pass);
    wgpuComputePassEncoderRelease(pass);
    commands = wgpuCommandEncoderFinish(encoder, NULL);
    print_pop("labels.pass", pop_scope());
    wgpuCommandBufferRelease(commands);
    wgpuCommandEncoderRelease(encoder);

    /* Submitting one command buffer twice: the message names it. */
    encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    commands = wgpuCommandEncoderFinish(encoder, NULL);
    wgpuCommandBufferSetLabel(commands, sv("relabelled commands"));
    wgpuQueueSubmit(queue, 1, &commands);
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    wgpuQueueSubmit(queue, 1, &commands);
    print_pop("labels.submit_twice", pop_scope());
    wgpuCommandBufferRelease(commands);
    wgpuCommandEncoderRelease(encoder);

    /* The other objects: labels set, then used in an invalid call that names them. */
    WGPUShaderModule module = make_module("first label", COMPUTE_WGSL);
    wgpuShaderModuleSetLabel(module, sv("relabelled module"));
    WGPUBindGroupLayoutEntry entry = {0};
    entry.binding = 0;
    entry.visibility = WGPUShaderStage_Compute;
    entry.buffer.type = WGPUBufferBindingType_ReadOnlyStorage;
    WGPUBindGroupLayoutDescriptor ldesc = {NULL, sv("first label"), 1, &entry};
    WGPUBindGroupLayout layout = wgpuDeviceCreateBindGroupLayout(device, &ldesc);
    wgpuBindGroupLayoutSetLabel(layout, sv("relabelled bind group layout"));
    WGPUPipelineLayoutDescriptor pldesc = {NULL, sv("first label"), 1, &layout, 0};
    WGPUPipelineLayout playout = wgpuDeviceCreatePipelineLayout(device, &pldesc);
    wgpuPipelineLayoutSetLabel(playout, sv("relabelled pipeline layout"));
    /* The layout has binding 0 (matching the shader) but not binding 1: exactly one error, whose message names
     * the module and the layout. (Two mismatches would be reported in an order that varies by process.) */
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    WGPUComputePipelineDescriptor pdesc = {0};
    pdesc.label = sv("pipeline");
    pdesc.layout = playout;
    pdesc.compute.module = module;
    pdesc.compute.entryPoint = (WGPUStringView){NULL, WGPU_STRLEN};
    WGPUComputePipeline pipeline = wgpuDeviceCreateComputePipeline(device, &pdesc);
    print_pop("labels.pipeline", pop_scope());
    wgpuComputePipelineSetLabel(pipeline, sv("relabelled pipeline"));
    wgpuComputePipelineRelease(pipeline);

    WGPUBindGroupEntry bentry = {0};
    bentry.binding = 0;
    bentry.buffer = b;
    bentry.size = WGPU_WHOLE_SIZE;
    WGPUBindGroupDescriptor bdesc = {NULL, sv("first label"), layout, 1, &bentry};
    WGPUBindGroup group = wgpuDeviceCreateBindGroup(device, &bdesc);
    wgpuBindGroupSetLabel(group, sv("relabelled bind group"));
    /* Binding the group at index 7 (out of range): the message names the group. */
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    pass = wgpuCommandEncoderBeginComputePass(encoder, NULL);
    wgpuComputePassEncoderSetBindGroup(pass, 7, group, 0, NULL);
    wgpuComputePassEncoderEnd(pass);
    wgpuComputePassEncoderRelease(pass);
    commands = wgpuCommandEncoderFinish(encoder, NULL);
    print_pop("labels.bind_group", pop_scope());
    wgpuCommandBufferRelease(commands);
    wgpuCommandEncoderRelease(encoder);

    if (wgpuDeviceHasFeature(device, WGPUFeatureName_TimestampQuery)) {
        WGPUQuerySetDescriptor qdesc = {NULL, sv("first label"), WGPUQueryType_Timestamp, 2};
        WGPUQuerySet qs = wgpuDeviceCreateQuerySet(device, &qdesc);
        wgpuQuerySetSetLabel(qs, sv("relabelled query set"));
        /* Resolving queries 1..3 of 2: the message names the query set. */
        WGPUBuffer resolve = make_buffer("resolve", 256, WGPUBufferUsage_QueryResolve, 0);
        wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
        encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
        wgpuCommandEncoderResolveQuerySet(encoder, qs, 1, 2, resolve, 0);
        commands = wgpuCommandEncoderFinish(encoder, NULL);
        print_pop("labels.query_set", pop_scope());
        wgpuCommandBufferRelease(commands);
        wgpuCommandEncoderRelease(encoder);
        wgpuBufferRelease(resolve);
        wgpuQuerySetRelease(qs);
    }
    wgpuBindGroupRelease(group);
    wgpuPipelineLayoutRelease(playout);
    wgpuBindGroupLayoutRelease(layout);
    wgpuShaderModuleRelease(module);
    wgpuBufferRelease(b);
}

static const char *IMMEDIATE_WGSL =
    "var<immediate> k: vec2u;\n"
    "@group(0) @binding(0) var<storage, read_write> dst: array<u32>;\n"
    "@compute @workgroup_size(4) fn main(@builtin(global_invocation_id) id: vec3u) {\n"
    "    dst[id.x] = k.x * id.x + k.y;\n"
    "}\n";

static void immediates(void) {
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    WGPUBuffer dst = make_buffer("immediates dst", 16, WGPUBufferUsage_Storage | WGPUBufferUsage_CopySrc, 0);
    WGPUShaderModule module = make_module("immediates", IMMEDIATE_WGSL);
    WGPUBindGroupLayoutEntry entry = {0};
    entry.binding = 0;
    entry.visibility = WGPUShaderStage_Compute;
    entry.buffer.type = WGPUBufferBindingType_Storage;
    WGPUBindGroupLayoutDescriptor ldesc = {NULL, sv("immediates"), 1, &entry};
    WGPUBindGroupLayout layout = wgpuDeviceCreateBindGroupLayout(device, &ldesc);
    WGPUPipelineLayoutDescriptor pldesc = {NULL, sv("immediates"), 1, &layout, 8};
    WGPUPipelineLayout playout = wgpuDeviceCreatePipelineLayout(device, &pldesc);
    WGPUComputePipelineDescriptor pdesc = {0};
    pdesc.label = sv("immediates");
    pdesc.layout = playout;
    pdesc.compute.module = module;
    pdesc.compute.entryPoint = (WGPUStringView){NULL, WGPU_STRLEN};
    WGPUComputePipeline pipeline = wgpuDeviceCreateComputePipeline(device, &pdesc);
    WGPUBindGroupEntry bentry = {0};
    bentry.binding = 0;
    bentry.buffer = dst;
    bentry.size = WGPU_WHOLE_SIZE;
    WGPUBindGroupDescriptor bdesc = {NULL, sv("immediates"), layout, 1, &bentry};
    WGPUBindGroup group = wgpuDeviceCreateBindGroup(device, &bdesc);
    WGPUCommandEncoder encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    WGPUComputePassEncoder pass = wgpuCommandEncoderBeginComputePass(encoder, NULL);
    wgpuComputePassEncoderSetPipeline(pass, pipeline);
    wgpuComputePassEncoderSetBindGroup(pass, 0, group, 0, NULL);
    uint32_t k[2] = {10, 7};
    wgpuComputePassEncoderSetImmediates(pass, 0, k, sizeof k);
    wgpuComputePassEncoderDispatchWorkgroups(pass, 1, 1, 1);
    wgpuComputePassEncoderEnd(pass);
    wgpuComputePassEncoderRelease(pass);
    submit(encoder);
    print_pop("immediates.setup", pop_scope());
    uint32_t *out = (uint32_t *)read_back(dst, 16);
    printf("immediates.out=%u,%u,%u,%u\n", out[0], out[1], out[2], out[3]);
    free(out);

    /* 8 bytes at offset 60 overflow maxImmediateSize (64). */
    wgpuDevicePushErrorScope(device, WGPUErrorFilter_Validation);
    encoder = wgpuDeviceCreateCommandEncoder(device, NULL);
    pass = wgpuCommandEncoderBeginComputePass(encoder, NULL);
    wgpuComputePassEncoderSetPipeline(pass, pipeline);
    wgpuComputePassEncoderSetImmediates(pass, 60, k, sizeof k);
    wgpuComputePassEncoderEnd(pass);
    wgpuComputePassEncoderRelease(pass);
    WGPUCommandBuffer commands = wgpuCommandEncoderFinish(encoder, NULL);
    print_pop("immediates.overflow", pop_scope());
    wgpuCommandBufferRelease(commands);
    wgpuCommandEncoderRelease(encoder);

    wgpuBindGroupRelease(group);
    wgpuComputePipelineRelease(pipeline);
    wgpuPipelineLayoutRelease(playout);
    wgpuBindGroupLayoutRelease(layout);
    wgpuShaderModuleRelease(module);
    wgpuBufferRelease(dst);
}

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        void (*run)(void);
    } scenarios[] = {{"buffer_roundtrip", buffer_roundtrip}, {"compute", compute},
                     {"map_states", map_states},             {"error_scope", error_scope},
                     {"limits_features", limits_features},   {"timestamp", timestamp},
                     {"labels", labels},                     {"immediates", immediates}};
    /* Line-buffered, so that the lines before a crash of the implementation still come out. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2) die("usage: parity SCENARIO");
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (strcmp(argv[1], scenarios[i].name) == 0) {
            setup();
            scenarios[i].run();
            fflush(stdout);
            wgpuQueueRelease(queue);
            wgpuDeviceRelease(device);
            wgpuAdapterRelease(adapter);
            wgpuInstanceRelease(instance);
            return 0;
        }
    }
    die("unknown scenario");
    return 2;
}
