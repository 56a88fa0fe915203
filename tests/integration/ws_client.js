// ws_client.js: a small RFC 6455 client for the integration tests, on node's net module alone.
// usage: node ws_client.js URL SECONDS [HEADER: VALUE]... < messages
// Connects to URL (ws://host:port/path), sends each line of stdin as a text frame once the
// handshake is done, prints each text frame it receives on its own line, answers pings, and exits
// after SECONDS. Prints "status NNN" first: the handshake's HTTP status (101 when upgraded).
"use strict";

const net = require("node:net");
const crypto = require("node:crypto");

const [url, seconds, ...headers] = process.argv.slice(2);
const u = new URL(url);
const key = crypto.randomBytes(16).toString("base64");
const sock = net.connect(Number(u.port), u.hostname);
let buf = Buffer.alloc(0);
let upgraded = false;

function frame(opcode, payload) {
	const mask = crypto.randomBytes(4);
	const n = payload.length;
	const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n])
		: Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 255]);
	const body = Buffer.alloc(n);
	for (let i = 0; i < n; i++) body[i] = payload[i] ^ mask[i % 4];
	return Buffer.concat([head, mask, body]);
}

sock.on("connect", () => {
	const lines = [`GET ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, "Upgrade: websocket",
		"Connection: Upgrade", `Sec-WebSocket-Key: ${key}`, "Sec-WebSocket-Version: 13", ...headers];
	sock.write(lines.join("\r\n") + "\r\n\r\n");
});

function parse() {
	for (;;) {
		if (!upgraded) {
			const end = buf.indexOf("\r\n\r\n");
			if (end < 0) return;
			const head = buf.subarray(0, end).toString();
			buf = buf.subarray(end + 4);
			const status = Number(head.split(" ")[1]);
			console.log(`status ${status}`);
			if (status !== 101) {
				process.exit(0);
			}
			const want = crypto.createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
			if (!head.toLowerCase().includes(`sec-websocket-accept: ${want.toLowerCase()}`)) console.log("bad accept");
			upgraded = true;
			let input = "";
			process.stdin.on("data", (d) => (input += d));
			process.stdin.on("end", () => {
				for (const line of input.split("\n")) if (line.trim()) sock.write(frame(1, Buffer.from(line)));
			});
			continue;
		}
		if (buf.length < 2) return;
		const op = buf[0] & 15;
		let n = buf[1] & 127;
		let off = 2;
		if (n === 126) {
			if (buf.length < 4) return;
			n = buf.readUInt16BE(2);
			off = 4;
		} else if (n === 127) {
			if (buf.length < 10) return;
			n = Number(buf.readBigUInt64BE(2));
			off = 10;
		}
		if (buf.length < off + n) return;
		const payload = buf.subarray(off, off + n);
		buf = buf.subarray(off + n);
		if (op === 1) console.log(payload.toString());
		else if (op === 9) sock.write(frame(10, payload));
		else if (op === 8) {
			console.log("closed");
			process.exit(0);
		}
	}
}

sock.on("data", (d) => {
	buf = Buffer.concat([buf, d]);
	parse();
});
sock.on("error", (e) => {
	console.log(`error ${e.message}`);
	process.exit(0);
});
sock.on("close", () => process.exit(0));
setTimeout(() => process.exit(0), Number(seconds) * 1000);
