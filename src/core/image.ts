/** An 8-bit image, HWC, row-major (RGB for 3 channels): what io/ decodes, eval/ crops and render/ draws on. */
export interface ImageU8 {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}
