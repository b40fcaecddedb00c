"""What the QR codes of an export say, read back with a real QR decoder (zxing-cpp)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.slide import Slide


def decoded_qr_codes_in_image(data: bytes) -> list[str]:
    """The texts of the QR codes a picture (PNG, …) shows."""
    with Image.open(io.BytesIO(data)) as image:
        return [code.text for code in zxingcpp.read_barcodes(image.convert("RGBA").convert("RGB"))
                if code.format == zxingcpp.BarcodeFormat.QRCode]


def decoded_qr_codes(slide: Slide) -> list[str]:
    """The texts of the QR codes the pictures of a slide show."""
    return [text for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE
            for text in decoded_qr_codes_in_image(shape.image.blob)]
