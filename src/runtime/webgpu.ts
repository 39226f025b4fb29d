// The WebGPU adapter probe, shared by the runtime (provider choice, shown in the backend badge) and the benchmark
// (machine facts). Works on the main thread and in workers; touches no ONNX Runtime.

export interface AdapterInfo {
  /** Vendor, architecture, device and description as the browser reports them; " (software)" appended when emulated. */
  description: string;
  /** SwiftShader, llvmpipe, WARP…: a CPU pretending to be a GPU. Timing it would measure the emulation. */
  software: boolean;
}

/** What `GPUAdapter` tells about itself (older browsers put isFallbackAdapter on the adapter, newer on its info). */
export interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|warp/i;

/** Names an adapter and says whether it is a software rasteriser. Pure. */
export function describeAdapter(adapter: GpuAdapterLike): AdapterInfo {
  const i = adapter.info ?? {};
  const description = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  const software = i.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE.test(description);
  return { description: `${description}${software ? ' (software)' : ''}`, software };
}

/** The WebGPU adapter this browser offers, or undefined when there is none (no `navigator.gpu`, no adapter, an error). */
export async function probeWebGpuAdapter(): Promise<AdapterInfo | undefined> {
  const gpu = (navigator as typeof navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? describeAdapter(adapter) : undefined;
  } catch {
    return undefined;
  }
}
