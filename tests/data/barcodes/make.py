#!/usr/bin/python3
"""Makes the project's own barcode images in this folder, and manifest.csv describing them.

Symbols are drawn by zint (an encoder independent of the ZXing decoder under test). "Photos" are
rendered from them here with Python's PIL (Debian: python3-pil): rotated, blurred, darkened,
noised with a fixed seed, and saved as JPEG, some of them progressive. Run from anywhere:

    /usr/bin/python3 tests/data/barcodes/make.py

and commit the images with the manifest. Output is deterministic for a given zint and PIL.
"""
import csv
import random
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter

HERE = Path(__file__).resolve().parent

# (format folder, name, zint arguments, text the decoder must return)
SYMBOLS = [
    ("ean13", "ean13-a", ["-b", "13", "-d", "5901234123457"], "5901234123457"),
    ("ean13", "ean13-b", ["-b", "13", "-d", "4006381333931"], "4006381333931"),
    ("ean13", "ean13-c", ["-b", "13", "-d", "9780201379624"], "9780201379624"),
    ("ean8", "ean8-a", ["-b", "13", "-d", "9638507"], "96385074"),
    ("upca", "upca-a", ["-b", "34", "-d", "03600029145"], "036000291452"),
    ("upca", "upca-b", ["-b", "34", "-d", "89044400033"], "890444000335"),
    ("upca", "upca-c", ["-b", "34", "-d", "01234567890"], "012345678905"),
    ("code128", "code128-a", ["-b", "20", "-d", "LOC-A-01-02"], "LOC-A-01-02"),
    ("code128", "code128-b", ["-b", "20", "-d", "123456"], "123456"),
    ("code128", "gs1-128-a", ["-b", "16", "-d", "[01]09504000059101[10]AB12[17]261231"],
     "010950400005910110AB12\x1d17261231"),
    ("itf", "itf14-a", ["-b", "89", "-d", "1540014128876"], "15400141288763"),
    ("itf", "itf14-b", ["-b", "89", "-d", "3071234500001"], "30712345000010"),
    ("qrcode", "qr-link", ["-b", "58", "-d", "https://id.gs1.org/01/09506000134352/10/ABC"],
     "https://id.gs1.org/01/09506000134352/10/ABC"),
    ("qrcode", "qr-text", ["-b", "58", "-d", "#loc A-01-02"], "#loc A-01-02"),
    ("datamatrix", "dm-gs1-a", ["-b", "71", "--gs1", "--square", "-d", "[01]09504000059101[21]SN-1[17]261231[10]AB"],
     "010950400005910121SN-1\x1d1726123110AB"),
    ("datamatrix", "dm-text", ["-b", "71", "-d", "SKU-000123"], "SKU-000123"),
]

MAX_PHOTO_WIDTH = 720

# A linear symbol drawn far larger than a decoder needs (1400 pixels wide): ZXing 1.4 found it at
# two scales of its own downscaling and aborted, which barcode_decoder.cpp now avoids.
LARGE = ("code128", "code128-b-large", ["-b", "20", "--height=120", "-d", "123456"], "123456", 8)

# (suffix, degrees, blur radius, contrast (1 = full), noise amplitude, progressive JPEG)
PHOTOS = [
    ("photo-tilt", 6.0, 1.0, 0.8, 18, False),
    ("photo-blur", -3.0, 2.2, 0.7, 12, True),
]


def draw(arguments, path, scale):
    subprocess.run(["zint", "--scale=" + str(scale), "--quietzones", "-o", str(path)] + arguments, check=True)


def photograph(symbol, degrees, blur, contrast, noise, seed):
    image = symbol.convert("L")
    if image.width > MAX_PHOTO_WIDTH:  # a handheld's frame is small; so is the committed file
        image = image.resize((MAX_PHOTO_WIDTH, image.height * MAX_PHOTO_WIDTH // image.width), Image.BILINEAR)
    # A sheet of paper around the label, so the rotation does not crop the symbol.
    sheet = Image.new("L", (image.width + 80, image.height + 80), 235)
    sheet.paste(image, (40, 40))
    sheet = sheet.rotate(degrees, resample=Image.BICUBIC, expand=True, fillcolor=235)
    sheet = sheet.filter(ImageFilter.GaussianBlur(blur))
    rng = random.Random(seed)
    low = int(255 * (1 - contrast) / 2)
    pixels = [min(255, max(0, low + int(p * contrast) + rng.randint(-noise, noise))) for p in sheet.getdata()]
    sheet.putdata(pixels)
    return sheet


def main():
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for seed, (folder, name, arguments, expected) in enumerate(SYMBOLS):
            (HERE / folder).mkdir(exist_ok=True)
            clean = HERE / folder / (name + ".png")
            draw(arguments, clean, 2)
            rows.append((folder, clean.name, expected, "zint " + " ".join(arguments)))
            source = Path(work) / (name + "-large.png")
            draw(arguments, source, 3)
            for suffix, degrees, blur, contrast, noise, progressive in PHOTOS:
                photo = photograph(Image.open(source), degrees, blur, contrast, noise, seed)
                path = HERE / folder / (name + "-" + suffix + ".jpg")
                photo.save(path, "JPEG", quality=80, progressive=progressive, optimize=False)
                how = "rotated %g degrees, blur %g, contrast %g, noise %d%s" % (
                    degrees, blur, contrast, noise, ", progressive JPEG" if progressive else "")
                rows.append((folder, path.name, expected, how))
        folder, name, arguments, expected, scale = LARGE
        draw(arguments, HERE / folder / (name + ".png"), scale)
        rows.append((folder, name + ".png", expected, "zint --scale=%d " % scale + " ".join(arguments)))
    with open(HERE / "manifest.csv", "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["format", "image", "expected", "made_by"])
        for folder, image, expected, how in rows:
            writer.writerow([folder, image, expected.replace("\x1d", "<GS>"), how])


if __name__ == "__main__":
    main()
