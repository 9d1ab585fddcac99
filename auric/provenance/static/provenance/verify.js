/* Auric: verify a piece's history in the shopper's browser, with WebCrypto only (no libraries).
 *
 * What it checks, against the keys published on the page (never against keys the API returns):
 *  1. the checkpoint (C2SP tlog-checkpoint in a C2SP signed note) carries a valid Ed25519 signature
 *     by the log's key, names the log's origin, and — when the page lists witnesses — is cosigned
 *     (C2SP tlog-cosignature/v1) by at least the quorum of them;
 *  2. every entry is in the checkpoint's tree: SHA-256(0x00 || entry) and its inclusion proof lead to
 *     the checkpoint's root (RFC 9162 §2.1.3.2);
 *  3. every entry's statement is signed by its party's key (Ed25519 over
 *     "auric.provenance.statement/v1\n" || RFC 8785 canonical JSON), the key being registered by the
 *     platform at a lower index (the platform's first key registers itself) and not revoked below
 *     the entry — the rule of `statements.KeyRegistry`, replayed over the key entries the API sends;
 *  4. each entry's bytes are exactly the canonical JSON they parse to, and the timeline shown is
 *     rendered from those verified bytes, not from the API's parsed copy.
 *
 * The page publishes its configuration as JSON in <script type="application/json"
 * id="provenance-config"> (the CSP forbids inline script). `window.AuricVerify` exposes the
 * primitives for tests.
 */
(function () {
  "use strict";

  var STATEMENT_DOMAIN = "auric.provenance.statement/v1\n";
  var REGISTRY_TYPES = { "party.registered": 1, "party.key_added": 1, "party.key_revoked": 1 };
  var PLATFORM = "platform";
  var PARTY_FIELDS = Object.freeze({ location: true, from: true, to: true, station: true }); // party ids, shown by the name their registration gives
  var ALG_ED25519 = 0x01;
  var ALG_COSIGNATURE = 0x04;
  var encoder = new TextEncoder();
  var decoder = new TextDecoder("utf-8", { fatal: true });

  function VerifyError(message) {
    var error = new Error(message);
    error.name = "VerifyError";
    return error;
  }

  // --- bytes --------------------------------------------------------------------------------------

  function b64decode(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw VerifyError("not base64");
    }
    var binary = atob(text);
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  function concat() {
    var length = 0;
    var i;
    for (i = 0; i < arguments.length; i++) length += arguments[i].length;
    var out = new Uint8Array(length);
    var offset = 0;
    for (i = 0; i < arguments.length; i++) {
      out.set(arguments[i], offset);
      offset += arguments[i].length;
    }
    return out;
  }

  function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  // --- RFC 6962 / 9162 Merkle tree ------------------------------------------------------------------

  function leafHash(entry) { return sha256(concat(new Uint8Array([0]), entry)); }
  function nodeHash(left, right) { return sha256(concat(new Uint8Array([1]), left, right)); }

  /* RFC 9162 §2.1.3.2, with BigInt indices (JavaScript's bit operators stop at 32 bits). */
  async function rootFromInclusionProof(leaf, index, size, proof) {
    var fn = BigInt(index);
    var sn = BigInt(size) - 1n;
    if (fn < 0n || fn > sn) throw VerifyError("index " + index + " is outside a tree of size " + size);
    var r = leaf;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (p.length !== 32) throw VerifyError("proof hash " + i + " is not 32 bytes");
      if (sn === 0n) throw VerifyError("the proof is longer than the tree needs");
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) throw VerifyError("the proof is shorter than the tree needs");
    return r;
  }

  async function verifyInclusion(leaf, index, size, proof, root) {
    var computed = await rootFromInclusionProof(leaf, index, size, proof);
    if (!equalBytes(computed, root)) throw VerifyError("the proof leads to a different root: the entry is not in the signed tree");
  }

  // --- C2SP signed note, checkpoint and cosignatures ------------------------------------------------

  /* "name+hex8+base64(alg || key)" → {name, keyId, alg, publicKey}, checking the key id. */
  async function parseVerifierKey(text) {
    // The base64 key may itself contain "+": only the first two are separators.
    var parts = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(String(text));
    if (!parts) throw VerifyError("malformed verifier key");
    var name = parts[1];
    var key = b64decode(parts[3]);
    if (key.length !== 33 || (key[0] !== ALG_ED25519 && key[0] !== ALG_COSIGNATURE)) throw VerifyError("unsupported verifier key type");
    var id = (await sha256(concat(encoder.encode(name + "\n"), key))).slice(0, 4);
    if (hex(id) !== parts[2]) throw VerifyError("the verifier key's id does not match its key");
    return { name: name, keyId: id, alg: key[0], publicKey: key.slice(1) };
  }

  /* Split a signed note into its text and signature lines (as golang.org/x/mod/sumdb/note does). */
  function splitNote(note) {
    // Text is UTF-8 without control characters other than newline (as the signed-note spec asks).
    if (typeof note !== "string" || /[\u0000-\u0009\u000b-\u001f\u007f\ufffd]/.test(note)) throw VerifyError("malformed note");
    var split = note.lastIndexOf("\n\n");
    if (split < 0 || !note.endsWith("\n")) throw VerifyError("malformed note: no signatures");
    var text = note.slice(0, split + 1);
    var lines = note.slice(split + 2, note.length - 1).split("\n");
    var signatures = [];
    if (lines.length > 100) throw VerifyError("too many signatures");
    for (var i = 0; i < lines.length; i++) {
      var match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(lines[i]);
      if (!match) throw VerifyError("malformed signature line");
      var raw = b64decode(match[2]);
      if (raw.length < 5) throw VerifyError("malformed signature");
      signatures.push({ name: match[1], keyId: raw.slice(0, 4), body: raw.slice(4) });
    }
    return { text: text, signatures: signatures };
  }

  async function importEd25519(publicKey) {
    return crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  }

  async function ed25519Verify(publicKey, signature, message) {
    if (signature.length !== 64) return false;
    return crypto.subtle.verify("Ed25519", await importEd25519(publicKey), signature, message);
  }

  /* The note's text when the log's key signed it; throws otherwise (unknown signers are ignored). */
  async function openNote(note, logKey) {
    var parsed = splitNote(note);
    var verified = false;
    for (var i = 0; i < parsed.signatures.length; i++) {
      var s = parsed.signatures[i];
      if (s.name !== logKey.name || !equalBytes(s.keyId, logKey.keyId)) continue;
      if (!(await ed25519Verify(logKey.publicKey, s.body, encoder.encode(parsed.text)))) {
        throw VerifyError("the log's signature does not verify");
      }
      verified = true;
    }
    if (!verified) throw VerifyError("no signature by the log's key");
    return parsed;
  }

  function parseCheckpoint(text) {
    var lines = text.split("\n");
    if (lines.length < 4 || !/^[1-9][0-9]*$|^0$/.test(lines[1])) throw VerifyError("malformed checkpoint");
    var root = b64decode(lines[2]);
    if (root.length !== 32) throw VerifyError("the checkpoint's root is not 32 bytes");
    return { origin: lines[0], size: BigInt(lines[1]), root: root };
  }

  /* Witnesses among the signatures: how many distinct listed witnesses cosigned the checkpoint, with a
   * tlog-cosignature/v1 (type 0x04: 8-byte timestamp || signature) or a plain Ed25519 note signature. */
  async function countCosignatures(parsed, witnessKeys) {
    var cosigned = {};
    for (var w = 0; w < witnessKeys.length; w++) {
      var key = witnessKeys[w];
      for (var i = 0; i < parsed.signatures.length; i++) {
        var s = parsed.signatures[i];
        if (s.name !== key.name || !equalBytes(s.keyId, key.keyId)) continue;
        var valid = false;
        if (key.alg === ALG_COSIGNATURE && s.body.length === 72) {
          var timestamp = new DataView(s.body.buffer, s.body.byteOffset, 8).getBigUint64(0);
          var message = encoder.encode("cosignature/v1\ntime " + timestamp.toString() + "\n" + parsed.text);
          valid = await ed25519Verify(key.publicKey, s.body.slice(8), message);
        } else if (key.alg === ALG_ED25519) {
          valid = await ed25519Verify(key.publicKey, s.body, encoder.encode(parsed.text));
        }
        if (valid) cosigned[key.name] = true;
      }
    }
    return Object.keys(cosigned).length;
  }

  // --- statements -----------------------------------------------------------------------------------

  /* RFC 8785: keys sorted by UTF-16 code units, ECMAScript number and string serialisation. */
  function canonicalize(value) {
    if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number") {
      if (!isFinite(value)) throw VerifyError("not canonicalisable JSON");
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return "[" + value.map(canonicalize).join(",") + "]";
    if (typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (key) {
        return JSON.stringify(key) + ":" + canonicalize(value[key]);
      }).join(",") + "}";
    }
    throw VerifyError("not canonicalisable JSON");
  }

  /* An entry's bytes → {statement, key, sig}; only the exact canonical form is accepted. */
  function parseEntry(bytes) {
    var text;
    var value;
    try {
      text = decoder.decode(bytes);
      value = JSON.parse(text);
    } catch (error) {
      throw VerifyError("the entry is not JSON");
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) throw VerifyError("the entry is not a JSON object");
    var fields = Object.keys(value).sort().join(",");
    if (fields !== "key,sig,statement") throw VerifyError("the entry must have exactly statement, key and sig");
    if (!equalBytes(encoder.encode(canonicalize(value)), bytes)) throw VerifyError("the entry is not in canonical form (RFC 8785)");
    if (typeof value.key !== "string" || !/^[0-9a-f]{16}$/.test(value.key)) throw VerifyError("malformed key id");
    var sig = b64decode(value.sig);
    if (sig.length !== 64) throw VerifyError("the signature is not 64 bytes");
    var s = value.statement;
    if (!s || typeof s !== "object" || typeof s.type !== "string" || typeof s.party !== "string" ||
        typeof s.time !== "string" || !s.data || typeof s.data !== "object" || Array.isArray(s.data)) {
      throw VerifyError("malformed statement");
    }
    return { statement: s, keyId: value.key, signature: sig };
  }

  async function keyIdOf(publicKey) { return hex((await sha256(publicKey)).slice(0, 8)); }

  async function verifyStatement(signed, publicKey) {
    if ((await keyIdOf(publicKey)) !== signed.keyId) throw VerifyError("signed with another key than the registered one");
    var message = encoder.encode(STATEMENT_DOMAIN + canonicalize(signed.statement));
    if (!(await ed25519Verify(publicKey, signed.signature, message))) throw VerifyError("the party's signature does not verify");
  }

  /* statements.KeyRegistry, in the browser: feed entries in index order. */
  function KeyRegistry() { this.keys = Object.create(null); this.names = Object.create(null); }

  KeyRegistry.prototype.registrationKey = async function (signed) {
    var data = signed.statement.data;
    var publicKey = b64decode(String(data.public_key));
    if (publicKey.length !== 32 || (await keyIdOf(publicKey)) !== data.key) {
      throw VerifyError("a key registration's public key does not match its key id");
    }
    return publicKey;
  };

  KeyRegistry.prototype.check = async function (index, signed) {
    var s = signed.statement;
    var key = this.keys[signed.keyId];
    var bootstrap = !key && Object.keys(this.keys).length === 0 && s.type === "party.registered" &&
      s.party === PLATFORM && s.data.party === PLATFORM && s.data.key === signed.keyId;
    if (bootstrap) {
      var own = await this.registrationKey(signed);
      await verifyStatement(signed, own);
      this.keys[signed.keyId] = { party: PLATFORM, publicKey: own, registeredAt: index, revokedAt: null };
      this.names[PLATFORM] = String(s.data.name || PLATFORM);
      return;
    }
    if (!key) throw VerifyError("key " + signed.keyId + " is not registered before this entry");
    if (key.revokedAt !== null && key.revokedAt < index) throw VerifyError("key " + signed.keyId + " was revoked at entry #" + key.revokedAt);
    if (key.party !== s.party) throw VerifyError("key " + signed.keyId + " belongs to " + key.party + ", not " + s.party);
    await verifyStatement(signed, key.publicKey);
    if (lookup(REGISTRY_TYPES, s.type, false)) {
      if (s.party !== PLATFORM) throw VerifyError("only the platform registers keys");
      if (s.type === "party.key_revoked") {
        var revoked = this.keys[String(s.data.key)];
        if (revoked && revoked.revokedAt === null) revoked.revokedAt = index;
        return;
      }
      var publicKey = await this.registrationKey(signed);
      if (!this.keys[s.data.key]) {
        this.keys[s.data.key] = { party: String(s.data.party), publicKey: publicKey, registeredAt: index, revokedAt: null };
      }
      if (s.data.name) this.names[String(s.data.party)] = String(s.data.name);
    }
  };

  // --- the whole check ------------------------------------------------------------------------------

  /* Verify a piece history response against the page's configuration. Returns
   * {ok, checkpoint, logName, cosigned, entries: [{index, ok, reason, statement}], keys: [...]}. */
  async function verifyHistory(history, config) {
    var logKey = await parseVerifierKey(config.log_key);
    var result = { ok: false, logName: logKey.name, entries: [], keys: [], cosigned: 0, witnesses: 0, quorum: config.witness_quorum || 0 };
    var note;
    try {
      note = await openNote(history.checkpoint, logKey);
    } catch (error) {
      if (error && error.name === "NotSupportedError") throw error;
      result.checkpointError = error.message;
      return result;
    }
    var checkpoint = parseCheckpoint(note.text);
    result.checkpoint = checkpoint;
    if (checkpoint.origin !== (config.origin || logKey.name)) {
      result.checkpointError = "the checkpoint is for another log (" + checkpoint.origin + ")";
      return result;
    }
    var witnessKeys = [];
    for (var w = 0; w < (config.witness_keys || []).length; w++) {
      try { witnessKeys.push(await parseVerifierKey(config.witness_keys[w])); } catch (error) { /* skip a malformed key */ }
    }
    result.witnesses = witnessKeys.length;
    result.cosigned = await countCosignatures(note, witnessKeys);
    if (result.cosigned < result.quorum) {
      result.quorumError = true;
    }

    var pieceIndices = Object.create(null);
    var all = [];
    (history.entries || []).forEach(function (item) { pieceIndices[item.index] = true; all.push({ item: item, piece: true }); });
    (history.keys || []).forEach(function (item) {
      if (!pieceIndices[item.index]) all.push({ item: item, piece: false });
    });
    all.sort(function (a, b) { return a.item.index - b.item.index; });

    var registry = new KeyRegistry();
    for (var i = 0; i < all.length; i++) {
      var item = all[i].item;
      var outcome = { index: item.index, ok: false, reason: "", statement: null, keyId: "" };
      try {
        if (!Number.isSafeInteger(item.index) || item.index < 0) throw VerifyError("malformed index");
        var bytes = b64decode(item.entry);
        var leaf = await leafHash(bytes);
        var proof = (item.proof || []).map(b64decode);
        var included = null;
        try {
          await verifyInclusion(leaf, item.index, checkpoint.size, proof, checkpoint.root);
        } catch (error) {
          included = error;
        }
        var signed = parseEntry(bytes);
        outcome.statement = signed.statement;
        outcome.keyId = signed.keyId;
        if (included) throw included;
        if (all[i].piece && signed.statement.piece !== config.piece) throw VerifyError("the entry is about another piece");
        await registry.check(item.index, signed);
        outcome.ok = true;
      } catch (error) {
        if (error && error.name === "NotSupportedError") throw error;
        outcome.reason = error && error.message ? error.message : String(error);
      }
      (all[i].piece ? result.entries : result.keys).push(outcome);
    }
    result.names = registry.names;
    result.failed = result.entries.filter(function (e) { return !e.ok; }).length;
    result.ok = !result.checkpointError && !result.quorumError && result.failed === 0 && result.entries.length > 0;
    return result;
  }

  // --- the page -------------------------------------------------------------------------------------

  /* A translated label from the page's own maps (never an inherited property such as "constructor"). */
  function lookup(map, key, fallback) {
    return map && Object.prototype.hasOwnProperty.call(map, key) ? map[key] : fallback;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function formatValue(value) {
    if (value === null || value === undefined) return "\u2014";
    if (Array.isArray(value)) return value.map(formatValue).join("; ");
    if (typeof value === "object") {
      return Object.keys(value).sort().map(function (key) { return key + ": " + formatValue(value[key]); }).join(", ");
    }
    return String(value);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatTime(text, lang) {
    var moment = new Date(text);
    if (isNaN(moment.getTime())) return text;
    try {
      return moment.toLocaleString(lang === "zh-hans" ? "zh-CN" : lang, { dateStyle: "medium", timeStyle: "short" });
    } catch (error) {
      return moment.toISOString();
    }
  }

  function renderEntry(outcome, config, names) {
    var t = config.messages;
    var li = element("li", "entry " + (outcome.ok ? "verified" : "failed"));
    li.dataset.index = String(outcome.index);
    li.dataset.verified = outcome.ok ? "true" : "false";
    var s = outcome.statement;
    var head = element("p", "entry-head");
    var mark = element("span", "verify-mark", outcome.ok ? "\u2713" : "\u2717");
    mark.setAttribute("aria-label", outcome.ok ? t.ok : t.bad);
    mark.title = outcome.ok ? t.ok : t.bad;
    head.appendChild(mark);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(element("strong", "entry-type", s ? lookup(config.types, s.type, s.type) : fill(t.index, { index: outcome.index })));
    if (s) {
      head.appendChild(document.createTextNode(" \u00b7 "));
      var time = element("time", "", formatTime(s.time, config.lang));
      time.dateTime = s.time;
      head.appendChild(time);
    }
    li.appendChild(head);
    var party = element("p", "entry-party small");
    if (s) party.appendChild(document.createTextNode(fill(t.signed_by, { party: lookup(names, s.party, s.party) }) + " \u00b7 "));
    party.appendChild(element("span", "mono", fill(t.index, { index: outcome.index })));
    li.appendChild(party);
    if (!outcome.ok) li.appendChild(element("p", "flag verify-reason", t.bad + ": " + outcome.reason));
    if (s && s.data) {
      var keys = Object.keys(s.data).sort();
      if (keys.length) {
        var dl = element("dl", "entry-data");
        keys.forEach(function (key) {
          var value = s.data[key];
          var partyName = lookup(PARTY_FIELDS, key, false) && typeof value === "string" ? lookup(names, value, null) : null;
          dl.appendChild(element("dt", "", lookup(config.fields, key, key)));
          dl.appendChild(element("dd", "", partyName || formatValue(value)));
        });
        li.appendChild(dl);
      }
      if (outcome.ok && s.type === "certificate.issued" && s.data.lab && s.data.number) {
        var link = element("a", "", t.certificate_link);
        link.href = config.certificate_check + "?" + new URLSearchParams({ lab: String(s.data.lab), number: String(s.data.number) });
        var p = element("p", "entry-link");
        p.appendChild(link);
        li.appendChild(p);
      }
    }
    return li;
  }

  function renderKeys(result, config) {
    var box = document.getElementById("key-entries");
    if (!box || !result.keys.length) return;
    var t = config.messages;
    box.textContent = "";
    box.appendChild(element("h2", "", t.keys_heading));
    var list = element("ul", "key-list small");
    result.keys.forEach(function (outcome) {
      var s = outcome.statement || { type: "?", data: {} };
      var li = element("li", outcome.ok ? "verified" : "failed");
      li.dataset.verified = outcome.ok ? "true" : "false";
      li.appendChild(element("span", "verify-mark", outcome.ok ? "\u2713" : "\u2717"));
      li.appendChild(document.createTextNode(" " + fill(t.key_entry, {
        index: outcome.index,
        type: lookup(config.types, s.type, s.type),
        party: (s.data && s.data.name) || (s.data && s.data.party) || "?",
        key: (s.data && s.data.key) || "?",
      }) + (outcome.ok ? "" : " \u2014 " + outcome.reason)));
      list.appendChild(li);
    });
    box.appendChild(list);
    box.hidden = false;
  }

  function banner(state, text, config, offerBundle) {
    var box = document.getElementById("verify-banner");
    if (!box) return;
    box.dataset.state = state;
    box.className = "verify-banner " + state;
    box.textContent = "";
    box.appendChild(element("p", "verify-summary", text));
    if (offerBundle) {
      var link = element("a", "", config.messages.bundle_link);
      link.href = config.bundle;
      link.setAttribute("download", "");
      link.dataset.testid = "banner-bundle-link";
      var p = element("p", "");
      p.appendChild(link);
      box.appendChild(p);
    }
  }

  function show(result, config) {
    var t = config.messages;
    var list = document.getElementById("provenance-timeline");
    if (list) {
      var fresh = element("ol", list.className);
      fresh.id = list.id;
      fresh.dataset.testid = "timeline";
      fresh.dataset.rendered = "verified";
      result.entries.forEach(function (outcome) { fresh.appendChild(renderEntry(outcome, config, result.names || {})); });
      list.replaceWith(fresh);
    }
    renderKeys(result, config);
    if (result.checkpointError) {
      banner("failed", fill(t.checkpoint_failed, { reason: result.checkpointError }), config, false);
      return;
    }
    var size = result.checkpoint.size.toString();
    if (result.failed > 0 || !result.entries.length) {
      banner("failed", fill(t.failed, { failed: result.failed, n: result.entries.length }), config, false);
      return;
    }
    if (result.quorumError) {
      banner("failed", fill(t.quorum_failed, { count: result.cosigned, quorum: result.quorum }), config, false);
      return;
    }
    banner("verified", fill(t.verified, { n: result.entries.length, size: size, log: result.logName }), config, false);
    var box = document.getElementById("verify-banner");
    var witnessLine = result.witnesses ?
      fill(t.witnessed, { count: result.cosigned, total: result.witnesses, quorum: result.quorum }) : t.no_witnesses;
    box.appendChild(element("p", "small", witnessLine));
  }

  async function run() {
    var source = document.getElementById("provenance-config");
    if (!source) return;
    var config = JSON.parse(source.textContent);
    var t = config.messages;
    banner("pending", t.checking, config, false);
    if (!window.crypto || !crypto.subtle) {
      banner("unsupported", t.insecure, config, true);
      return;
    }
    try {
      var logKey = await parseVerifierKey(config.log_key);
      await importEd25519(logKey.publicKey);
    } catch (error) {
      if (error && error.name === "NotSupportedError") {
        banner("unsupported", t.no_ed25519, config, true);
      } else {
        banner("failed", fill(t.checkpoint_failed, { reason: error.message }), config, false);
      }
      return;
    }
    var history;
    try {
      var response = await fetch(config.api, { headers: { Accept: "application/json" }, credentials: "omit" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      history = await response.json();
    } catch (error) {
      banner("failed", fill(t.fetch_failed, { reason: error.message }), config, true);
      return;
    }
    try {
      show(await verifyHistory(history, config), config);
    } catch (error) {
      if (error && error.name === "NotSupportedError") banner("unsupported", t.no_ed25519, config, true);
      else banner("failed", fill(t.checkpoint_failed, { reason: error.message }), config, false);
    }
  }

  window.AuricVerify = {
    b64decode: b64decode,
    leafHash: leafHash,
    nodeHash: nodeHash,
    rootFromInclusionProof: rootFromInclusionProof,
    verifyInclusion: verifyInclusion,
    parseVerifierKey: parseVerifierKey,
    openNote: openNote,
    parseCheckpoint: parseCheckpoint,
    canonicalize: canonicalize,
    parseEntry: parseEntry,
    verifyHistory: verifyHistory,
    hex: hex,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
