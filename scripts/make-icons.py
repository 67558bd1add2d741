#!/usr/bin/env python3
"""Draws the app's icons (a white check mark on a wine-coloured rounded square) with the
standard library only, so they can be re-created on any machine. Writes PNGs and an ICO
(PNG-compressed entries) into src-tauri/icons/."""
import os, struct, zlib

OUT = os.path.join(os.path.dirname(__file__), "..", "src-tauri", "icons")
WINE = (122, 31, 61)

def pixel(x, y, n):
    u, v = (x + 0.5) / n, (y + 0.5) / n
    r = 0.18  # corner radius, as a fraction of the side
    cx = min(max(u, r), 1 - r); cy = min(max(v, r), 1 - r)
    if (u - cx) ** 2 + (v - cy) ** 2 > r * r:
        return (0, 0, 0, 0)
    # check mark: two thick segments
    def near(ax, ay, bx, by, w):
        dx, dy = bx - ax, by - ay
        t = max(0, min(1, ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy)))
        px, py = ax + t * dx, ay + t * dy
        return (u - px) ** 2 + (v - py) ** 2 < w * w
    if near(0.25, 0.52, 0.43, 0.70, 0.07) or near(0.43, 0.70, 0.77, 0.32, 0.07):
        return (255, 255, 255, 255)
    return WINE + (255,)

def png(n):
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y, n)) for x in range(n)) for y in range(n))
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))

def ico(sizes):
    images = [png(s) for s in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for s, data in zip(sizes, images):
        entries += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return header + entries + b"".join(images)

os.makedirs(OUT, exist_ok=True)
for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(png(size))
with open(os.path.join(OUT, "icon.ico"), "wb") as f:
    f.write(ico([16, 32, 48, 256]))
