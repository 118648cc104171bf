// A strict walk over the top level of a protobuf message. protobufjs decodes some damaged
// input leniently (a length-delimited field that runs past the end of the buffer is cut short
// instead of refused), so a truncated request could reach a handler as a different, shorter
// string. Every kubesweep.v1 request is flat, so checking the top level catches truncation.
const MAX_VARINT_BYTES = 10;

/** undefined when the bytes are well-formed protobuf at the top level, else what is wrong. */
export function wireFormatProblem(buf: Uint8Array): string | undefined {
  let i = 0;
  const varint = (): number | undefined => {
    let value = 0;
    let mul = 1;
    for (let n = 0; n < MAX_VARINT_BYTES; n++) {
      if (i >= buf.length) return undefined;
      const b = buf[i++];
      value += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (i < buf.length) {
    const at = i;
    const key = varint();
    if (key === undefined) return `truncated field key at byte ${at}`;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) return `field number 0 at byte ${at}`;
    switch (wire) {
      case 0:
        if (varint() === undefined) return `truncated varint in field ${field}`;
        break;
      case 1:
        if (i + 8 > buf.length) return `truncated fixed64 in field ${field}`;
        i += 8;
        break;
      case 2: {
        const len = varint();
        if (len === undefined) return `truncated length in field ${field}`;
        if (i + len > buf.length) return `field ${field} claims ${len} bytes, ${buf.length - i} left`;
        i += len;
        break;
      }
      case 5:
        if (i + 4 > buf.length) return `truncated fixed32 in field ${field}`;
        i += 4;
        break;
      default:
        return `wire type ${wire} in field ${field} is not allowed`;
    }
  }
  return undefined;
}
