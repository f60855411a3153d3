/**
 * The ShuffleNet unit's cost (Zhang et al. 2018, ShuffleNet v1): 1×1 group conv C → M, depthwise k×k (stride),
 * 1×1 group conv M → C' (C' = out − in at stride 2, where the shortcut is a 3×3 average pool concatenated).
 * Multiply-adds per output position: C·M/g1 + M·k²/(stride² at the input grid: counted at the output) + M·C'/g.
 */
export function shuffleNetUnitCost(
  inChannels: number,
  outChannels: number,
  midChannels: number,
  groups: number,
  height: number,
  width: number,
  opts: { stride?: number; firstGroup?: boolean; kernelSize?: number; batch?: number } = {},
) {
  const s = opts.stride ?? 1;
  const k = opts.kernelSize ?? 3;
  const n = opts.batch ?? 1;
  const g1 = opts.firstGroup ? 1 : groups;
  const branchOut = s === 2 ? outChannels - inChannels : outChannels;
  const pad = Math.floor(k / 2);
  const ho = Math.floor((height + 2 * pad - k) / s) + 1;
  const wo = Math.floor((width + 2 * pad - k) / s) + 1;
  const pw1 = (n * height * width * (inChannels * midChannels)) / g1;
  const dw = n * ho * wo * midChannels * k * k;
  const pw2 = (n * ho * wo * (midChannels * branchOut)) / groups;
  return { macs: pw1 + dw + pw2, pointwiseMacs: pw1 + pw2, depthwiseMacs: dw };
}
