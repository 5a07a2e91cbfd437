/** Hostile images generated in tests: PNG decompression bombs, small on disk. */
import zlib from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/**
 * A greyscale PNG of side x side zeros: the IDAT is the real zlib stream (12000 -> 140 KB,
 * 144 MP decoded), or one row only when `headerOnly` (the header alone makes the claim).
 */
export async function bombPng(side: number, headerOnly = false): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  let idat: Buffer;
  if (headerOnly) idat = zlib.deflateSync(Buffer.alloc(side + 1));
  else {
    const d = zlib.createDeflate({ level: 9 });
    const parts: Buffer[] = [];
    d.on('data', (c: Buffer) => parts.push(c));
    const rows = 64;
    const block = Buffer.alloc((side + 1) * rows);
    for (let y = 0; y < side; y += rows) d.write(block.subarray(0, (side + 1) * Math.min(rows, side - y)));
    d.end();
    await new Promise((r) => d.on('end', r));
    idat = Buffer.concat(parts);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

