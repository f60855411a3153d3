/**
 * Self-calibrated convolution cost (Liu et al. 2020, MCG-NKU/SCNet): in the code's SCConv, k2 runs on the input
 * average-pooled by r, k3 at full resolution, k4 (with the stride) on the calibrated k3 output:
 *
 *   y = k4( k3(x) · sigmoid(x + up(k2(pool_r(x)))) )
 *
 * k1, the plain 3×3 on the other half of the channels, lives in the code's bottleneck (SCBottleneck), not here.
 */
export function scConvCost(
  channels: number,
  height: number,
  width: number,
  opts: { poolingR: number; stride?: number; groups?: number; batch?: number },
) {
  const cpg = channels / (opts.groups ?? 1);
  const s = opts.stride ?? 1;
  const n = opts.batch ?? 1;
  const per = channels * cpg * 9;
  const k2 = n * Math.floor(height / opts.poolingR) * Math.floor(width / opts.poolingR) * per;
  const k3 = n * height * width * per;
  const k4 = n * Math.ceil(height / s) * Math.ceil(width / s) * per;
  return { k2, k3, k4, macs: k2 + k3 + k4, flops: 2 * (k2 + k3 + k4) };
}
