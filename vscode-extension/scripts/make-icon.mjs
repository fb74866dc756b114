// Draws the extension icon (a shield with a check mark on a dark rounded square) and writes it
// as a 256×256 RGBA PNG, with no dependencies: `node scripts/make-icon.mjs images/icon.png`.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 256;
const SAMPLES = 4; // supersampling per axis, for smooth edges

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) {
        c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return c >>> 0;
});

function crc32(bytes) {
    let c = 0xffffffff;
    for (const byte of bytes) {
        c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
    }
    return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
}

// Shapes in a unit square (0..1), y down.
function roundedSquare(x, y) {
    const r = 0.18;
    const dx = Math.max(Math.abs(x - 0.5) - (0.5 - r), 0);
    const dy = Math.max(Math.abs(y - 0.5) - (0.5 - r), 0);
    return dx * dx + dy * dy <= r * r;
}

function shield(x, y, inset) {
    const top = 0.16 + inset;
    const bottom = 0.86 - inset;
    const half = 0.3 - inset;
    if (y < top || y > bottom) {
        return false;
    }
    const shoulder = 0.5; // straight sides down to here, then a curve to the point
    const t = (y - top) / (bottom - top);
    const width = t < shoulder ? half : half * Math.sqrt(Math.max(0, 1 - ((t - shoulder) / (1 - shoulder)) ** 2));
    const notch = t < 0.08 ? 0.04 * Math.cos((Math.abs(x - 0.5) / half) * Math.PI) * (1 - t / 0.08) : 0;
    return Math.abs(x - 0.5) <= width && y >= top + Math.max(notch, 0);
}

function distanceToSegment(px, py, ax, ay, bx, by) {
    const vx = bx - ax;
    const vy = by - ay;
    const t = Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)));
    return Math.hypot(px - (ax + t * vx), py - (ay + t * vy));
}

function check(x, y) {
    const w = 0.045;
    return (
        distanceToSegment(x, y, 0.37, 0.5, 0.47, 0.61) <= w || distanceToSegment(x, y, 0.47, 0.61, 0.65, 0.39) <= w
    );
}

// Colours: background #1b2b4b → #24406e (top to bottom), shield white, inner red #d7263d, check white.
function colour(x, y) {
    if (!roundedSquare(x, y)) {
        return null;
    }
    if (shield(x, y, 0.035) && check(x, y)) {
        return [255, 255, 255];
    }
    if (shield(x, y, 0.035)) {
        return [215, 38, 61];
    }
    if (shield(x, y, 0)) {
        return [255, 255, 255];
    }
    const t = y;
    return [Math.round(27 + 9 * t), Math.round(43 + 21 * t), Math.round(75 + 35 * t)];
}

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let py = 0; py < SIZE; py++) {
    raw[py * (SIZE * 4 + 1)] = 0; // filter: none
    for (let px = 0; px < SIZE; px++) {
        let r = 0;
        let g = 0;
        let b = 0;
        let a = 0;
        for (let sy = 0; sy < SAMPLES; sy++) {
            for (let sx = 0; sx < SAMPLES; sx++) {
                const c = colour((px + (sx + 0.5) / SAMPLES) / SIZE, (py + (sy + 0.5) / SAMPLES) / SIZE);
                if (c) {
                    r += c[0];
                    g += c[1];
                    b += c[2];
                    a += 1;
                }
            }
        }
        const offset = py * (SIZE * 4 + 1) + 1 + px * 4;
        raw[offset] = a ? Math.round(r / a) : 0;
        raw[offset + 1] = a ? Math.round(g / a) : 0;
        raw[offset + 2] = a ? Math.round(b / a) : 0;
        raw[offset + 3] = Math.round((255 * a) / (SAMPLES * SAMPLES));
    }
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // colour type: RGBA
const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
]);

const out = process.argv[2] ?? 'images/icon.png';
writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
