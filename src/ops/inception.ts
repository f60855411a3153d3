/**
 * The cost of GoogLeNet's Inception module in closed form. The paper's table counts multiply-adds of the
 * convolutions only (no bias, batch norm or pooling), for one image: inception(3a) on 28×28×192 with branches
 * 64 | 96→128 (3×3) | 16→32 (5×5) | pool→32 gives 128 M. torchvision's module uses 3×3 in the third branch
 * (121.7 M); `branch3Kernel` selects either.
 */
export interface InceptionChannels {
  inChannels: number;
  ch1x1: number;
  ch3x3red: number;
  ch3x3: number;
  ch5x5red: number;
  ch5x5: number;
  poolProj: number;
  branch3Kernel?: number;
}

export function inceptionCost(c: InceptionChannels, height: number, width: number, batch = 1) {
  const k5 = c.branch3Kernel ?? 5;
  const perPixel =
    c.inChannels * c.ch1x1 +
    c.inChannels * c.ch3x3red +
    c.ch3x3red * 9 * c.ch3x3 +
    c.inChannels * c.ch5x5red +
    c.ch5x5red * k5 * k5 * c.ch5x5 +
    c.inChannels * c.poolProj;
  const macs = batch * height * width * perPixel;
  const convParams = perPixel;
  const bnParams = 2 * (c.ch1x1 + c.ch3x3red + c.ch3x3 + c.ch5x5red + c.ch5x5 + c.poolProj);
  return {
    outChannels: c.ch1x1 + c.ch3x3 + c.ch5x5 + c.poolProj,
    params: convParams + bnParams,
    macs,
    flops: 2 * macs,
  };
}
