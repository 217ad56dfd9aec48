/**
 * Golden byte vectors V1–V12 captured from Debian serf 0.9.4 on loopback (reference §12), for
 * tests only (src/**\/testing is excluded from the build). `hex` ignores whitespace.
 */

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** ping beta → alpha, no CRC. */
export const V1 =
  hex(`0085a44e6f6465a5616c706861a55365714e6f01aa536f7572636541646472a47f000001aa536f757263654e6f6465a462657461
aa536f75726365506f7274cd471a`);

/** ackResp alpha → beta with serf's coordinate payload, no CRC. */
export const V2 =
  hex(`0282a75061796c6f6164da00820184aa41646a7573746d656e74cb0000000000000000a54572726f72cb3ff8000000000000
a6486569676874cb3ee4f8b588e368f1a356656398cb0000000000000000cb0000000000000000cb0000000000000000
cb0000000000000000cb0000000000000000cb0000000000000000cb0000000000000000cb0000000000000000a55365714e6f01`);

/** CRC + serf join intent. */
export const V3 = hex('0caada2b16080182a54c54696d6501a44e6f6465a462657461');

/** CRC + serf leave intent. */
export const V4 = hex('0c54cd3b76080083a54c54696d6502a44e6f6465a462657461a55072756e65c2');

/** CRC + memberlist dead, graceful leave. */
export const V5 = hex('0c033f28320583a446726f6da462657461ab496e6361726e6174696f6e01a44e6f6465a462657461');

/** CRC + serf user event `deploy hello`. */
export const V6 = hex(
  '0cc127d67a080384a24343c3a54c54696d6501a44e616d65a66465706c6f79a75061796c6f6164a568656c6c6f',
);

const V7_HEAD =
  hex(`0683a44a6f696ec3a54e6f64657301ac5573657253746174654c656ecd024c87a441646472a47f000001ab496e6361726e61
74696f6e01a44d657461a2ff80a44e616d65a462657461a4506f7274cd471aa5537461746500a356736ea601050202050502
86aa4576656e744c54696d6501a64576656e7473dc0200`);
const V7_TAIL = hex(
  'a54c54696d6501ab4c6566744d656d6265727390aa51756572794c54696d6501ac5374617475734c54696d657381a46265746100',
);

/** Join push/pull beta → alpha, uncompressed: head + 512 × c0 + tail, 687 bytes. */
export const V7 = (() => {
  const out = new Uint8Array(V7_HEAD.length + 512 + V7_TAIL.length);
  out.set(V7_HEAD);
  out.fill(0xc0, V7_HEAD.length, V7_HEAD.length + 512);
  out.set(V7_TAIL, V7_HEAD.length + 512);
  return out;
})();

/** LZW-compressed ack: `[9]{Algo: 0, Buf}`, Buf decompresses to V2. */
export const V8 =
  hex(`0982a4416c676f00a3427566da00620005083a05254c1e366fc290d10640500042aa82905153670e9d3665dcd05906a0a3c7
8ea58ac891f346ceb21ff83e763485a44c9a336836fa2087af16a27168e28db252660c268e2a3b020d3a5465d18f473d2615
1a9469d35253cac471f2264040`);

/** The AES-256 key of V9 and V10 (base64 ExmbatRs4JlVOz3DoAlDD+qEiJMv5pNkHxdwMljqxIg=). */
export const V9_KEY = hex('13199b6ad46ce099553b3dc3a009430fea8488932fe693641f17703258eac488');

/** AES-256-GCM UDP packet; plaintext is V1. */
export const V9 =
  hex(`01404201c42b3302fac850af87649484edd9575148d7dffde39152e41d30b135f080a4a71562121ad157155a3682
8402d73df11d142b0bb7c4a2a8b3ac5b305e294d1c1c45ec4813fe069ff949e2ffd5161abcf54b07692357f816b3178248`);

/** AES-256-GCM TCP stream (join push/pull, compressed); plaintext is `[9]{Algo, Buf}` with lzwDecode(Buf) = V7. */
export const V10 =
  hex(`0a000000f501ca912570c25a909648096ce9313cc9f7e3c77e7d007a2f2ef82875db504a5ab08365b1d31ac4113105f53a9f
44ceb89c4343a0deb77744c2c504f24833c2da6983630f656efa66700bc5cb5a76f5ff652fa0463c0a75b512b4eb8608ad49
115cdf481b5a6ae401c6ae0667b1e3476bb98aa4a0ee06023896c3cee204302afd62d26b92be9def3416b06b5b2fcb90e29c
1a4e96896f363aebac0c0e9064e37baa05c018d10ee9dc8355f0e1edbc0d7ddb9b0e27acefd85b4779c93b2fd7b8c093568e
ea2097c7fcc24095b5b65900dd7be6af2cea5e10b946fe3dac0335017c3a31d27b0e3e12bc3ff3d3cf3932fe5f750676ddfa`);

/** Gossiped `_serf_ping` query with the Ack flag, with CRC. */
export const V11 =
  hex(`0cc9e6d0c208048ba441646472a47f000001a746696c74657273c0a5466c61677301a24944ce0eb29c8fa54c54696d6501a4
4e616d65aa5f736572665f70696e67a75061796c6f6164c0a4506f7274cd48b3ab52656c6179466163746f7200aa536f7572
63654e6f6465a27161a754696d656f7574cebebc2000`);

/** Query ack qb → qa, no CRC. */
export const V12 = hex(
  '080585a5466c61677301a446726f6da27162a24944ce0eb29c8fa54c54696d6501a75061796c6f6164c0',
);

/** A Random whose next() values make PacketCodec draw exactly `bytes` as its nonce(s). */
export function nonceRandom(bytes: Uint8Array): { next(): number; uuid(): string } {
  let index = 0;
  return {
    next: () => (bytes[index++ % bytes.length]! + 0.5) / 256,
    uuid: () => '00000000-0000-4000-8000-000000000000',
  };
}
