"""HLS whole-segment AES-128 decryption (RFC 8216 §4.3.2.4, §5.2): AES-128-CBC with PKCS#7 padding.

Why incremental (``feed``/``flush``, STYLE.md 7): the same object decrypts a segment in memory, a
body as it streams in, or a file, and holds at most one block back (the last one carries the padding).
The key lives only in this object's cipher context; nothing here logs or stores it. cryptography
loads with the first AES-128 segment: a clear or CENC play never pays its ~7 MiB of RSS (issue 19).
"""
from __future__ import annotations

from .errors import DecryptionFailed

BLOCK = 16


class Aes128Decryptor:
    """``feed(ciphertext) -> plaintext`` as blocks complete, ``flush()`` strips the padding at the end."""

    def __init__(self, key: bytes, iv: bytes) -> None:
        if len(key) != BLOCK:
            raise DecryptionFailed(f"an AES-128 key has 16 bytes, this one {len(key)}")
        if len(iv) != BLOCK:
            raise DecryptionFailed(f"an AES-128 IV has 16 bytes, this one {len(iv)}")
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        self._cipher = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        self._unpadder = padding.PKCS7(128).unpadder()
        self._done = False

    def feed(self, data: bytes) -> bytes:
        return self._unpadder.update(self._cipher.update(data))

    def flush(self) -> bytes:
        """The last plaintext bytes; a wrong key or a cut segment shows here as bad padding."""
        if self._done:
            return b""
        self._done = True
        try:
            return self._unpadder.update(self._cipher.finalize()) + self._unpadder.finalize()
        except ValueError as exc:  # cut mid-block, or padding bytes that are not PKCS#7: wrong key/IV
            raise DecryptionFailed("AES-128 segment does not decrypt (wrong key or IV, or a cut segment)") from exc


def decrypt_aes128(data: bytes, key: bytes, iv: bytes) -> bytes:
    """A whole segment at once."""
    decryptor = Aes128Decryptor(key, iv)
    return decryptor.feed(data) + decryptor.flush()
