/** Just enough of the ZIP format to list a .vsix and read its files (stored or deflated). */

import * as zlib from 'node:zlib';

export interface ZipEntry {
    name: string;
    read(): Buffer;
}

export function readZip(archive: Buffer): Map<string, ZipEntry> {
    const eocd = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) {
        throw new Error('not a zip file: no end of central directory');
    }
    const count = archive.readUInt16LE(eocd + 10);
    let offset = archive.readUInt32LE(eocd + 16);
    const entries = new Map<string, ZipEntry>();
    for (let i = 0; i < count; i++) {
        if (archive.readUInt32LE(offset) !== 0x02014b50) {
            throw new Error(`bad central directory entry at ${offset}`);
        }
        const method = archive.readUInt16LE(offset + 10);
        const compressedSize = archive.readUInt32LE(offset + 20);
        const nameLength = archive.readUInt16LE(offset + 28);
        const extraLength = archive.readUInt16LE(offset + 30);
        const commentLength = archive.readUInt16LE(offset + 32);
        const localOffset = archive.readUInt32LE(offset + 42);
        const name = archive.toString('utf8', offset + 46, offset + 46 + nameLength);
        entries.set(name, {
            name,
            read(): Buffer {
                const localName = archive.readUInt16LE(localOffset + 26);
                const localExtra = archive.readUInt16LE(localOffset + 28);
                const start = localOffset + 30 + localName + localExtra;
                const data = archive.subarray(start, start + compressedSize);
                if (method === 0) {
                    return Buffer.from(data);
                }
                if (method === 8) {
                    return zlib.inflateRawSync(data);
                }
                throw new Error(`${name}: unsupported compression method ${method}`);
            },
        });
        offset += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
}
