import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ghostnet, MobileNetV1, resnet50, resnext50_32x4d, shufflenetV1 } from '../../src/index.js';

const fx = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8'));

describe('model definitions against torchvision and their papers', () => {
  it('resnet50 has torchvision’s parameter count', () => {
    expect(resnet50().countParams()).toBe(fx.model.torchvision.resnet50);
  });
  it('resnext50_32x4d has torchvision’s parameter count', () => {
    expect(resnext50_32x4d().countParams()).toBe(fx.model.torchvision.resnext50_32x4d);
  });
  it('MobileNetV1 1.0 has the paper’s 4.2 M parameters and 569 M multiply-adds', () => {
    const m = new MobileNetV1();
    expect(Math.round(m.countParams() / 1e5) / 10).toBe(4.2);
    expect(Math.round(m.totalMacs([1, 3, 224, 224]) / 1e6)).toBe(569);
  });
});

describe('ShuffleNet and GhostNet against their papers', () => {
  it('ShuffleNet 1× g=3 costs the paper’s 140 M multiply-adds (138 M in the official code’s layout)', () => {
    const macs = shufflenetV1({ groups: 3 }).totalMacs([1, 3, 224, 224]) / 1e6;
    expect(Math.abs(macs - 140)).toBeLessThan(3);
  });
  it('GhostNet 1.0 has 5.2 M parameters and 141 M multiply-adds', () => {
    const m = ghostnet();
    expect(Math.round(m.countParams() / 1e5) / 10).toBe(5.2);
    expect(Math.round(m.totalMacs([1, 3, 224, 224]) / 1e6)).toBe(141);
  });
  it('rejects a ShuffleNet group count the paper does not define', () => {
    expect(() => shufflenetV1({ groups: 5 })).toThrow(/ShuffleNetV1: groups must be 1, 2, 3, 4 or 8, got 5/);
  });
});
