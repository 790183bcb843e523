#!/usr/bin/env python3
"""Generates tests/fixtures/manifest.json: hand-built cases for every manifest rule.

Run from the repository root: python3 tests/manifest_fixtures.py

Expected results are computed here, independently of the Rust code: the API.md shape of a
parsed manifest is built from the input document by plain field copying (digest and size
by hashlib over the exact body), the selected descriptor is named by position from the
containerd rules written next to each case, and error messages follow the formats the
module documents (`<field path>: <reason>`).
"""

import hashlib
import json
import os

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
ARTIFACT = "application/vnd.oci.artifact.manifest.v1+json"

INVALID = "MANIFEST_INVALID"
UNSUPPORTED = "MANIFEST_UNSUPPORTED"


def sha(name):
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def sha512(name):
    return "sha512:" + hashlib.sha512(name.encode()).hexdigest()


def d(media_type, name, size, **extra):
    out = {"mediaType": media_type, "digest": sha(name), "size": size}
    out.update(extra)
    return out


def plat(os_, arch, variant=None, os_version=None, os_features=None):
    p = {"architecture": arch, "os": os_}
    if variant is not None:
        p["variant"] = variant
    if os_version is not None:
        p["os.version"] = os_version
    if os_features is not None:
        p["os.features"] = os_features
    return p


def quote(s):
    """JSON-quoted, cut to 80 characters with "..." inside the quotes (messages stay short)."""
    if len(s) > 80:
        return json.dumps(s[:80], ensure_ascii=False)[:-1] + '..."'
    return json.dumps(s, ensure_ascii=False)


def describe(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return quote(v)
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, float):
        # The core names a number with a fraction or exponent as written in the body; the
        # bodies here are json.dumps output, which writes a float as its repr.
        return repr(v)
    return str(v)


# --- the API.md shape, built by copying fields --------------------------------------------


def shape_platform(p):
    out = {"os": p["os"], "architecture": p["architecture"]}
    # Go's zero values: an empty variant or os.version is absent, an empty feature list too.
    if p.get("variant"):
        out["variant"] = p["variant"]
    if p.get("os.version"):
        out["osVersion"] = p["os.version"]
    if p.get("os.features"):
        out["osFeatures"] = p["os.features"]
    return out


def shape_descriptor(desc, with_platform):
    out = {"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"]}
    if with_platform and "platform" in desc:
        out["platform"] = shape_platform(desc["platform"])
    for key in ("annotations", "urls", "artifactType"):
        if key in desc:
            out[key] = desc[key]
    return out


def shape(body, doc, media_type):
    raw = body.encode()
    kind = "index" if media_type in (OCI_INDEX, DOCKER_LIST) else "image"
    out = {
        "mediaType": media_type,
        "kind": kind,
        "schemaVersion": 2,
        "digest": "sha256:" + hashlib.sha256(raw).hexdigest(),
        "size": len(raw),
    }
    if kind == "image":
        out["config"] = shape_descriptor(doc["config"], False)
        out["layers"] = [shape_descriptor(l, False) for l in doc["layers"]]
    else:
        out["manifests"] = [shape_descriptor(m, True) for m in doc["manifests"]]
    if "subject" in doc:
        out["subject"] = shape_descriptor(doc["subject"], False)
    for key in ("artifactType", "annotations"):
        if key in doc:
            out[key] = doc[key]
    if kind == "image":
        out["totalSize"] = doc["config"]["size"] + sum(l["size"] for l in doc["layers"])
    return out


CASES = []


def ok(note, doc, media_type, content_type=None, body=None):
    body = body if body is not None else json.dumps(doc, indent=2)
    args = [body] if content_type is None else [body, content_type]
    CASES.append({"fn": "parseManifest", "note": note, "args": args, "ok": shape(body, json.loads(body), media_type)})


def err(note, body, code, message, content_type=None):
    if not isinstance(body, str):
        body = json.dumps(body)
    args = [body] if content_type is None else [body, content_type]
    CASES.append({"fn": "parseManifest", "note": note, "args": args, "error": {"code": code, "message": message}})


def select(note, host, entries, want):
    """`entries` are index entries; `want` is the position of the expected one, or None."""
    doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    body = json.dumps(doc)
    expected = None if want is None else shape_descriptor(entries[want], True)
    CASES.append({"fn": "selectPlatform", "note": note, "args": [body, host], "ok": expected})


# --- valid documents ----------------------------------------------------------------------

CONFIG = d(OCI_CONFIG, "config", 1470)
LAYER1 = d(OCI_LAYER, "layer-1", 675598)
LAYER2 = d(OCI_LAYER, "layer-2", 156)
DCONFIG = d(DOCKER_CONFIG, "docker-config", 7023)
DLAYER = d(DOCKER_LAYER, "docker-layer", 32654)


def oci_image(**extra):
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": CONFIG, "layers": [LAYER1, LAYER2]}
    doc.update(extra)
    return doc


def docker_image(**extra):
    doc = {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST, "config": DCONFIG, "layers": [DLAYER]}
    doc.update(extra)
    return doc


def oci_index(manifests, **extra):
    doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
    doc.update(extra)
    return doc


AMD64 = d(OCI_MANIFEST, "amd64", 1234, platform=plat("linux", "amd64"))
ARM64 = d(OCI_MANIFEST, "arm64", 1235, platform=plat("linux", "arm64", "v8"))
ATTEST = d(
    OCI_MANIFEST,
    "attestation",
    840,
    platform=plat("unknown", "unknown"),
    annotations={
        "vnd.docker.reference.digest": sha("amd64"),
        "vnd.docker.reference.type": "attestation-manifest",
    },
)

ok("minimal OCI image manifest", oci_image(layers=[LAYER1]), OCI_MANIFEST)
ok("OCI image manifest, two layers", oci_image(), OCI_MANIFEST)
ok(
    "OCI image with annotations, subject, artifactType, urls, data",
    oci_image(
        artifactType="application/vnd.example.sbom+json",
        subject=d(OCI_MANIFEST, "subject", 7682),
        annotations={"org.opencontainers.image.created": "2024-01-01T00:00:00Z", "empty": ""},
        config=d(OCI_CONFIG, "config", 2, data="e30="),
        layers=[
            d(OCI_LAYER, "layer-1", 1, urls=["https://example.com/layer", "http://mirror.example/x%20y"]),
            d(OCI_LAYER, "layer-2", 2, annotations={"org.opencontainers.image.title": "a.txt"}),
            d(OCI_LAYER, "layer-3", 3, artifactType="application/vnd.example+type"),
        ],
    ),
    OCI_MANIFEST,
)
ok(
    "artifact using the empty config (image-spec manifest.md)",
    oci_image(
        artifactType="application/vnd.example+type",
        config={"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha("{}"), "size": 2, "data": "e30="},
        layers=[d("application/vnd.example+type", "payload", 675598)],
    ),
    OCI_MANIFEST,
)
ok("Docker schema 2 manifest", docker_image(), DOCKER_MANIFEST)
ok(
    "Docker schema 2 with a foreign layer",
    docker_image(layers=[d(DOCKER_FOREIGN, "windows-base", 5_000_000_000, urls=["https://mcr.microsoft.com/v2/windows/blobs/" + sha("windows-base")]), DLAYER]),
    DOCKER_MANIFEST,
)
ok("Docker schema 2 without layers (no minItems in distribution)", docker_image(layers=[]), DOCKER_MANIFEST)
ok("size 0 and size int64 max", oci_image(layers=[d(OCI_LAYER, "empty", 0), d(OCI_LAYER, "huge", 9223372036854775807)]), OCI_MANIFEST)
ok(
    "other digest algorithms (image-spec manifest-07-valid)",
    oci_image(
        config={"mediaType": OCI_CONFIG, "size": 1470, "digest": "sha256+b64:c86f7763873b6c0aae22d963bab59b4f5debbed6685761b5951584f6efb0633b"},
        layers=[
            {"mediaType": OCI_LAYER, "size": 1470, "digest": "sha256+foo-bar:c86f7763873b6c0aae22d963bab59b4f5debbed6685761b5951584f6efb0633b"},
            {"mediaType": OCI_LAYER, "size": 1470, "digest": "sha256.foo-bar:c86f7763873b6c0aae22d963bab59b4f5debbed6685761b5951584f6efb0633b"},
            {"mediaType": OCI_LAYER, "size": 1470, "digest": "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"},
            {"mediaType": OCI_LAYER, "size": 1, "digest": sha512("layer")},
        ],
    ),
    OCI_MANIFEST,
)
ok(
    "media types at the grammar's edges",
    oci_image(layers=[d("a" * 127 + "/" + "b" * 127, "long", 1), d("application/x!#$&^_.+-y", "chars", 2), d("0/0", "digits", 3)]),
    OCI_MANIFEST,
)
ok("unknown members are ignored", oci_image(extra={"mediaType": 5}, layers=[dict(LAYER1, foo=[1, {"a": None}])]), OCI_MANIFEST)
ok(
    "OCI index with platforms",
    oci_index(
        [
            AMD64,
            ARM64,
            d(OCI_MANIFEST, "arm-v7", 1236, platform=plat("linux", "arm", "v7")),
            d(
                DOCKER_MANIFEST,
                "windows",
                946,
                platform=plat("windows", "amd64", os_version="10.0.20348.2340", os_features=["win32k"]),
            ),
            ATTEST,
        ],
        annotations={"org.opencontainers.image.ref.name": "latest"},
    ),
    OCI_INDEX,
)
ok("empty OCI index", oci_index([]), OCI_INDEX)
ok(
    "index entries of any media type, no platform, nested index (imageindex-09)",
    oci_index(
        [
            d("application/customized.manifest+json", "custom", 7143, platform=plat("linux", "ppc64le")),
            d(OCI_INDEX, "nested", 314),
            d(OCI_MANIFEST, "artifact", 506, artifactType="application/vnd.example1+type"),
        ],
        artifactType="application/vnd.example+type",
        subject=d(OCI_MANIFEST, "subject", 1234),
    ),
    OCI_INDEX,
)
ok(
    "Docker manifest list; the deprecated platform.features is ignored",
    {
        "schemaVersion": 2,
        "mediaType": DOCKER_LIST,
        "manifests": [
            d(DOCKER_MANIFEST, "ppc", 7143, platform=plat("linux", "ppc64le")),
            d(DOCKER_MANIFEST, "amd", 7682, platform=dict(plat("linux", "amd64"), features=["sse4"])),
        ],
    },
    DOCKER_LIST,
)
ok(
    "empty variant and os.version read as absent (Go zero values)",
    oci_index([d(OCI_MANIFEST, "x", 1, platform=plat("linux", "arm64", "", "", []))]),
    OCI_INDEX,
)
ok("platform os and architecture are not normalized", oci_index([d(OCI_MANIFEST, "x", 1, platform=plat("Linux", "aarch64"))]), OCI_INDEX)

# Media type resolution.
no_type = oci_image()
del no_type["mediaType"]
ok("no mediaType: OCI image config means OCI manifest (GuessMIMEType)", no_type, OCI_MANIFEST)
no_type_docker = docker_image()
del no_type_docker["mediaType"]
ok("no mediaType: Docker config means Docker schema 2 (GuessMIMEType)", no_type_docker, DOCKER_MANIFEST)
no_type_custom = oci_image(config=d("application/vnd.example.config+json", "c", 3))
del no_type_custom["mediaType"]
ok("no mediaType: custom config is an OCI artifact manifest", no_type_custom, OCI_MANIFEST)
no_type_index = oci_index([AMD64])
del no_type_index["mediaType"]
ok("no mediaType: manifests without config or layers is an OCI index", no_type_index, OCI_INDEX)
empty_index = {"schemaVersion": 2, "manifests": []}
ok("no mediaType: an empty manifests array is an index too", empty_index, OCI_INDEX)
ok("Content-Type names the type when the body has none", no_type_index, DOCKER_LIST, DOCKER_LIST)
ok("Content-Type parameters and case are ignored", no_type, OCI_MANIFEST, "Application/VND.OCI.Image.Manifest.v1+JSON; charset=utf-8")
ok("Content-Type docker v2 for a body without mediaType", no_type, DOCKER_MANIFEST, DOCKER_MANIFEST)
ok("generic Content-Type application/json falls back to detection", no_type, OCI_MANIFEST, "application/json")
ok("generic Content-Type text/plain falls back to detection", no_type_index, OCI_INDEX, "text/plain; charset=utf-8")
ok("generic Content-Type application/octet-stream falls back to detection", no_type, OCI_MANIFEST, "application/octet-stream")
ok("empty Content-Type falls back to detection", no_type, OCI_MANIFEST, "")
ok("the body's mediaType wins over a generic Content-Type", oci_image(), OCI_MANIFEST, "application/json")
ok("the body's mediaType wins over an unrelated Content-Type", oci_image(), OCI_MANIFEST, "text/html")
ok("same kind, other format: the body wins (containerd)", oci_image(), OCI_MANIFEST, DOCKER_MANIFEST)
ok("same kind, other format, for indexes", oci_index([AMD64], mediaType=DOCKER_LIST), DOCKER_LIST, OCI_INDEX)
ok("exact body bytes: whitespace counts in the digest", oci_image(), OCI_MANIFEST, body="\n\t " + json.dumps(oci_image()) + " \n")
ok("non-ASCII in annotations", oci_image(annotations={"ünïcode": "日本語 \u2028"}), OCI_MANIFEST)
ok(
    "escaped strings",
    None,
    OCI_MANIFEST,
    body='{"schemaVersion":2,"mediaType":"application\\/vnd.oci.image.manifest.v1+json","config":'
    + json.dumps(CONFIG)
    + ',"layers":['
    + json.dumps(LAYER1)
    + '],"annotations":{"k\\u00e9y":"v\\"q\\""}}',
)

# --- errors: the document -----------------------------------------------------------------

err("empty body", "", INVALID, "invalid json: EOF while parsing a value at line 1 column 0")
err("not JSON", "not json", INVALID, "invalid json: expected ident at line 1 column 2")
err("truncated", '{"schemaVersion": 2', INVALID, "invalid json: EOF while parsing an object at line 1 column 19")
err("trailing characters", "{} {}", INVALID, "invalid json: trailing characters at line 1 column 4")
err("a byte-order mark is not JSON", "\ufeff{}", INVALID, "invalid json: expected value at line 1 column 1")
for body, what in (("[]", "an array"), ("null", "null"), ("2", "2"), ('"manifest"', '"manifest"'), ("true", "true")):
    err("the document must be an object: " + what, body, INVALID, "must be a JSON object, got " + what)

err("schemaVersion missing", {"mediaType": OCI_MANIFEST, "config": CONFIG, "layers": [LAYER1]}, INVALID, "schemaVersion: is required")
for value in (3, 0, 99999, -2):
    err("schemaVersion %s" % value, oci_image(schemaVersion=value), INVALID, "schemaVersion: must be 2, got %s" % value)
err("schemaVersion 1 with a v2 mediaType", docker_image(schemaVersion=1), INVALID, "schemaVersion: must be 2, got 1")
for value in ("2", 2.0, None, [2], True):
    err(
        "schemaVersion %s" % json.dumps(value),
        oci_image(schemaVersion=value),
        INVALID,
        "schemaVersion: must be the integer 2, got " + describe(value),
    )
err("unknown schemaVersion without mediaType (GuessMIMEType gives up)", {"schemaVersion": 99999}, INVALID, "schemaVersion: must be 2, got 99999")
err("an empty object", {}, INVALID, "schemaVersion: is required")

# Unsupported media types.
err("schema 1 without mediaType", {"schemaVersion": 1, "name": "library/busybox", "tag": "latest", "fsLayers": []}, UNSUPPORTED, "unsupported manifest media type: " + quote(SCHEMA1))
err(
    "signed schema 1 without mediaType",
    {"schemaVersion": 1, "name": "library/busybox", "fsLayers": [], "signatures": [{"header": {}}]},
    UNSUPPORTED,
    "unsupported manifest media type: " + quote(SCHEMA1_SIGNED),
)
for media_type in (SCHEMA1, SCHEMA1_SIGNED, ARTIFACT, "application/json", "application/vnd.oci.image.config.v1+json", OCI_MANIFEST.upper()):
    err("body mediaType " + media_type, oci_image(mediaType=media_type), UNSUPPORTED, "unsupported manifest media type: " + quote(media_type))
for content_type in (SCHEMA1_SIGNED, SCHEMA1, ARTIFACT, "text/html", "application/vnd.oci.image.layer.v1.tar"):
    err("Content-Type " + content_type, no_type, UNSUPPORTED, "unsupported manifest media type: " + quote(content_type), content_type)
err("Content-Type is lower-cased in the message", no_type, UNSUPPORTED, 'unsupported manifest media type: "text/html"', "Text/HTML; charset=UTF-8")

# mediaType present but not a media type.
for value in ("invalid", "", "application/", "/json", "application/vnd.oci.image.manifest.v1+json; charset=utf-8"):
    err("body mediaType %s" % quote(value), oci_image(mediaType=value), INVALID, "mediaType: must be a media type (type/subtype, RFC 6838), got " + quote(value))
for value in (5, None, [OCI_MANIFEST]):
    err("body mediaType %s" % json.dumps(value), oci_image(mediaType=value), INVALID, "mediaType: must be a string, got " + describe(value))

# Kind mismatch between the body and the Content-Type.
for body_type, header, doc in (
    (OCI_MANIFEST, OCI_INDEX, oci_image()),
    (OCI_MANIFEST, DOCKER_LIST, oci_image()),
    (DOCKER_MANIFEST, OCI_INDEX, docker_image()),
    (OCI_INDEX, OCI_MANIFEST, oci_index([AMD64])),
    (DOCKER_LIST, DOCKER_MANIFEST, oci_index([AMD64], mediaType=DOCKER_LIST)),
):
    err(
        "body %s, Content-Type %s" % (body_type, header),
        doc,
        INVALID,
        "manifest media type %s does not match content type %s" % (quote(body_type), quote(header)),
        header + "; charset=utf-8",
    )

# Fields of both kinds (CVE-2021-41190).
IMAGE_AMBIGUOUS = "not allowed in an image manifest: an index field makes the document ambiguous"
INDEX_AMBIGUOUS = "not allowed in an index: an image manifest field makes the document ambiguous"
err("image manifest with manifests", oci_image(manifests=[AMD64]), INVALID, "manifests: " + IMAGE_AMBIGUOUS)
err("image manifest with an empty manifests", oci_image(manifests=[]), INVALID, "manifests: " + IMAGE_AMBIGUOUS)
err("index with config", oci_index([AMD64], config=CONFIG), INVALID, "config: " + INDEX_AMBIGUOUS)
err("index with layers", oci_index([AMD64], layers=[LAYER1]), INVALID, "layers: " + INDEX_AMBIGUOUS)
err("index with layers: null", oci_index([AMD64], layers=None), INVALID, "layers: " + INDEX_AMBIGUOUS)
both = dict(no_type, manifests=[AMD64])
err("no mediaType with both config and manifests", both, INVALID, "manifests: " + IMAGE_AMBIGUOUS)
err("both, Content-Type says index", both, INVALID, "config: " + INDEX_AMBIGUOUS, OCI_INDEX)
err("both, Content-Type says image", both, INVALID, "manifests: " + IMAGE_AMBIGUOUS, OCI_MANIFEST)
err("Docker manifest with schema 1 fsLayers", docker_image(fsLayers=[]), INVALID, "fsLayers: not allowed: a schema 1 field (schema 1 is not supported)")

# Duplicate and case-variant keys.
dup = '{"schemaVersion":2,"mediaType":"%s","mediaType":"%s","config":%s,"layers":[%s]}' % (OCI_MANIFEST, OCI_INDEX, json.dumps(CONFIG), json.dumps(LAYER1))
err("duplicate top-level key", dup, INVALID, 'duplicate key "mediaType" at line 1 column %d' % len(dup))
layer_dup = '{"mediaType":"%s","digest":"%s","size":1,"size":2}' % (OCI_LAYER, sha("x"))
dup2 = '{"schemaVersion":2,"mediaType":"%s","config":%s,"layers":[%s]}' % (OCI_MANIFEST, json.dumps(CONFIG), layer_dup)
err("duplicate key in a descriptor", dup2, INVALID, 'duplicate key "size" at line 1 column %d' % (dup2.index(layer_dup) + len(layer_dup)))
ann_dup = '{"a":"1","b":"2","a":"3"}'
dup3 = json.dumps(oci_image(annotations={}))[:-len('{}}')] + ann_dup + "}"
err("duplicate annotation key", dup3, INVALID, 'duplicate key "a" at line 1 column %d' % (dup3.index(ann_dup) + len(ann_dup)))
err("key differing only in case", dict(oci_image(), MediaType=OCI_INDEX), INVALID, 'MediaType: key differs from "mediaType" only in case (ambiguous to case-insensitive decoders)')
err("Layers beside layers", dict(oci_image(), Layers=[]), INVALID, 'Layers: key differs from "layers" only in case (ambiguous to case-insensitive decoders)')
err("Manifests in an image", dict(oci_image(), MANIFESTS=[]), INVALID, 'MANIFESTS: key differs from "manifests" only in case (ambiguous to case-insensitive decoders)')
err("Go folds the long s", oci_image(layers=[dict(LAYER1, **{"\u017fize": 2})]), INVALID, 'layers[0]["\u017fize"]: key differs from "size" only in case (ambiguous to case-insensitive decoders)')
err("platform OS beside os", oci_index([d(OCI_MANIFEST, "x", 1, platform=dict(plat("linux", "amd64"), OS="windows"))]), INVALID, 'manifests[0].platform.OS: key differs from "os" only in case (ambiguous to case-insensitive decoders)')

# --- errors: image manifests --------------------------------------------------------------

image_no_config = oci_image()
del image_no_config["config"]
err("config missing", image_no_config, INVALID, "config: is required")
image_no_layers = oci_image()
del image_no_layers["layers"]
err("layers missing", image_no_layers, INVALID, "layers: is required")
err("OCI layers empty (image-spec manifest-06-invalid)", oci_image(layers=[]), INVALID, "layers: must have at least one layer (image-spec minItems: 1)")
for value in (None, {}, "layers", 1):
    err("layers %s" % json.dumps(value), oci_image(layers=value), INVALID, "layers: must be an array of descriptors, got " + describe(value))
for value in (None, "sha256:x", [], 1):
    err("config %s" % json.dumps(value), oci_image(config=value), INVALID, "config: must be a descriptor object, got " + describe(value))
err("a layer that is not an object", oci_image(layers=[LAYER1, "layer"]), INVALID, 'layers[1]: must be a descriptor object, got "layer"')
err("subject that is not a descriptor (manifest-09-invalid)", oci_image(subject=".nope"), INVALID, 'subject: must be a descriptor object, got ".nope"')
err("subject without digest", oci_image(subject={"mediaType": OCI_MANIFEST, "size": 1}), INVALID, "subject.digest: is required")
for value in ("invalid", "", 1):
    reason = "must be a string, got 1" if value == 1 else "must be a media type (type/subtype, RFC 6838), got " + quote(value)
    err("artifactType %s" % json.dumps(value), oci_image(artifactType=value), INVALID, "artifactType: " + reason)
for value, reason in (
    ("x", 'must be an object of strings, got "x"'),
    ([], "must be an object of strings, got an array"),
    (None, "must be an object of strings, got null"),
):
    err("annotations %s" % json.dumps(value), oci_image(annotations=value), INVALID, "annotations: " + reason)
err("annotation value not a string", oci_image(annotations={"a": "b", "n": 1}), INVALID, "annotations.n: must be a string, got 1")
err("annotation key with dots is quoted in the path", oci_image(annotations={"org.example": True}), INVALID, 'annotations["org.example"]: must be a string, got true')

# --- errors: descriptors (image-spec schema/descriptor_test.go and defs-descriptor.json) ----


def layer_err(note, layer, message):
    err(note, oci_image(layers=[LAYER1, layer]), INVALID, "layers[1]." + message)


layer_err("mediaType missing (descriptor-03)", {"size": 1, "digest": sha("x")}, "mediaType: is required")
for value, note in (
    ("application", "no subtype (descriptor-04)"),
    (".foo/bar", "bad first type character (descriptor-05)"),
    ("foo/.bar", "bad first subtype character (descriptor-06)"),
    ("1" * 128 + "/bar", "type too long (descriptor-08)"),
    ("foo/" + "1" * 128, "subtype too long (descriptor-09)"),
    ("", "empty"),
    ("foo/bar/baz", "two slashes"),
    ("foo bar/baz", "space"),
    ("foo/bär", "non-ASCII"),
    ("foo/bar;x=y", "parameters"),
):
    layer_err("mediaType " + note, d(value, "x", 1), "mediaType: must be a media type (type/subtype, RFC 6838), got " + quote(value))
layer_err("mediaType a number", {"mediaType": 1, "size": 1, "digest": sha("x")}, "mediaType: must be a string, got 1")
layer_err("size missing (descriptor-10)", {"mediaType": OCI_LAYER, "digest": sha("x")}, "size: is required")
for value, reason in (
    ("7682", 'must be an integer, got "7682"'),
    (7682.0, "must be an integer, got 7682.0"),
    (1.5, "must be an integer, got 1.5"),
    (-7682, "must not be negative, got -7682"),
    (-1, "must not be negative, got -1"),
    (9223372036854775808, "must be at most 9223372036854775807, got 9223372036854775808"),
    (18446744073709551615, "must be at most 9223372036854775807, got 18446744073709551615"),
    (None, "must be an integer, got null"),
    (True, "must be an integer, got true"),
):
    layer_err("size %s" % json.dumps(value), dict(LAYER2, size=value), "size: " + reason)
raw_exp = json.dumps(oci_image(layers=[LAYER1]))
exp_body = raw_exp.replace('"size": 675598', '"size": 6.75598e5')
err("size with an exponent", exp_body, INVALID, "layers[0].size: must be an integer, got 6.75598e5")
layer_err("digest missing (descriptor-12)", {"mediaType": OCI_LAYER, "size": 1}, "digest: is required")
for value in (
    ":5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
    "sha256",
    "sha256:",
    "SHA256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
    "sha256:5B0BCABD1ED22E9FB1310CF6C2DEC7CDEF19F0AD69EFA1F392E94A4333501270",
    "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a433350127",
    "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a43335012700",
    "sha512:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
    "sha256+foo+-b:c86f7763873b6c0aae22d963bab59b4f5debbed6685761b5951584f6efb0633b",
    "sha256:zz",
    "sha256 :5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
    "md5:!",
):
    layer_err("digest %s" % value[:24], dict(LAYER2, digest=value), "digest: invalid digest format: " + quote(value))
layer_err("digest a number", dict(LAYER2, digest=5), "digest: must be a string, got 5")
for value, reason in (
    ("https://example.com/foo", None),
    ("value", 'must be an absolute URI, got "value"'),
    ("//example.com/foo", 'must be an absolute URI, got "//example.com/foo"'),
    ("https://example.com/a b", 'must be an absolute URI, got "https://example.com/a b"'),
    ("https://example.com/%zz", 'must be an absolute URI, got "https://example.com/%zz"'),
):
    if reason is not None:
        layer_err("urls %s (descriptor-18)" % value, dict(LAYER2, urls=[value]), "urls[0]: " + reason)
layer_err("urls not an array", dict(LAYER2, urls="https://example.com"), 'urls: must be an array of strings, got "https://example.com"')
layer_err("urls item not a string", dict(LAYER2, urls=["https://example.com", 1]), "urls[1]: must be a string, got 1")
layer_err("artifactType invalid (descriptor-20)", dict(LAYER2, artifactType="foo/.bar"), 'artifactType: must be a media type (type/subtype, RFC 6838), got "foo/.bar"')
for value in ("aHR0cHM6Ly9naXRodWIuY29tL29wZW5jb250YWluZXJzCg", "e30", "e3=0", "a===", "e30=\n"):
    layer_err("data %s (descriptor-30)" % json.dumps(value), dict(LAYER2, data=value), "data: must be padded standard base64, got " + quote(value))
layer_err("data not a string", dict(LAYER2, data=["e30="]), "data: must be a string, got an array")
layer_err("annotations with a number", dict(LAYER2, annotations={"a": 1}), "annotations.a: must be a string, got 1")

# --- errors: indexes ----------------------------------------------------------------------

index_no_manifests = oci_index([])
del index_no_manifests["manifests"]
err("manifests missing", index_no_manifests, INVALID, "manifests: is required")
for value in (None, {}, "x"):
    err("manifests %s" % json.dumps(value), oci_index(value), INVALID, "manifests: must be an array of descriptors, got " + describe(value))
err("entry size a string (imageindex-02)", oci_index([dict(AMD64, size="7682")]), INVALID, 'manifests[0].size: must be an integer, got "7682"')
entry_no_digest = dict(AMD64)
del entry_no_digest["digest"]
err("entry without digest (imageindex-03)", oci_index([entry_no_digest]), INVALID, "manifests[0].digest: is required")
err("platform without architecture (imageindex-04)", oci_index([AMD64, d(OCI_MANIFEST, "x", 1, platform={"os": "linux"})]), INVALID, "manifests[1].platform.architecture: is required")
err("platform without os", oci_index([d(OCI_MANIFEST, "x", 1, platform={"architecture": "amd64"})]), INVALID, "manifests[0].platform.os: is required")
err("entry media type invalid (imageindex-05)", oci_index([dict(AMD64, mediaType="invalid")]), INVALID, 'manifests[0].mediaType: must be a media type (type/subtype, RFC 6838), got "invalid"')
err("entry media type empty (imageindex-06)", oci_index([dict(AMD64, mediaType="")]), INVALID, 'manifests[0].mediaType: must be a media type (type/subtype, RFC 6838), got ""')
for value in ("linux/amd64", None, []):
    err("platform %s" % json.dumps(value), oci_index([dict(AMD64, platform=value)]), INVALID, "manifests[0].platform: must be a platform object, got " + describe(value))
for field, value in (("architecture", 1), ("os", None), ("variant", 7), ("os.version", 10.0)):
    p = plat("linux", "arm64")
    p[field] = value
    path = "manifests[0].platform." + field if "." not in field else 'manifests[0].platform["%s"]' % field
    err("platform %s %s" % (field, json.dumps(value)), oci_index([dict(AMD64, platform=p)]), INVALID, path + ": must be a string, got " + describe(value))
err("os.features not an array", oci_index([dict(AMD64, platform=plat("windows", "amd64", os_features="win32k"))]), INVALID, 'manifests[0].platform["os.features"]: must be an array of strings, got "win32k"')
err("os.features item not a string", oci_index([dict(AMD64, platform=plat("windows", "amd64", os_features=["win32k", 1]))]), INVALID, 'manifests[0].platform["os.features"][1]: must be a string, got 1')
err("index subject not a descriptor (imageindex-12)", oci_index([AMD64], subject="nope"), INVALID, 'subject: must be a descriptor object, got "nope"')
err("the first error wins, in document field order", oci_index([dict(AMD64, size=-1, digest="x")]), INVALID, 'manifests[0].digest: invalid digest format: "x"')

# --- selectPlatform: containerd's FilterPlatforms + LimitManifests(1) with Only(host) -----


def entry(name, os_=None, arch=None, variant=None, os_version=None, os_features=None, annotations=None, media_type=OCI_MANIFEST):
    e = d(media_type, name, 1000 + len(name))
    if os_ is not None:
        e["platform"] = plat(os_, arch, variant, os_version, os_features)
    if annotations is not None:
        e["annotations"] = annotations
    return e


ATT = {"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": sha("amd64")}

# arm64: Only(linux/arm64) runs arm64/v8 (normalized to no variant), then arm/v8 .. arm/v5.
select("arm64 picks arm64/v8 over arm/v7", "linux/arm64", [entry("v7", "linux", "arm", "v7"), entry("v8", "linux", "arm64", "v8")], 1)
select("arm64 picks arm64 without a variant", "linux/arm64", [entry("v7", "linux", "arm", "v7"), entry("arm64", "linux", "arm64")], 1)
select("arm64/v8 host string equals arm64", "linux/arm64/v8", [entry("arm64", "linux", "arm64")], 0)
select("aarch64 host normalizes to arm64", "linux/aarch64", [entry("arm64", "linux", "arm64", "v8")], 0)
select("aarch64 entries are normalized when matching", "linux/arm64", [entry("a", "linux", "aarch64")], 0)
select("arm64 falls back to arm/v7 over arm/v6", "linux/arm64", [entry("v6", "linux", "arm", "v6"), entry("v7", "linux", "arm", "v7")], 1)
select("arm64 runs arm/v5", "linux/arm64", [entry("v5", "linux", "arm", "v5")], 0)
select("arm64 doesn't run amd64", "linux/arm64", [entry("amd64", "linux", "amd64")], None)
select("arm64 doesn't run windows arm64", "linux/arm64", [entry("w", "windows", "arm64")], None)
select("arm64/v9 host prefers v9 then v8", "linux/arm64/v9", [entry("v8", "linux", "arm64"), entry("v9", "linux", "arm64", "v9")], 1)
select("arm64/v8 host doesn't run v9", "linux/arm64", [entry("v9", "linux", "arm64", "v9")], None)
select("arm/v7 host picks v7 over v6 and arm64", "linux/arm/v7", [entry("v6", "linux", "arm", "v6"), entry("v7", "linux", "arm", "v7"), entry("arm64", "linux", "arm64")], 1)
select("arm with no variant is arm/v7", "linux/arm", [entry("v7", "linux", "arm", "v7")], 0)
select("armhf is arm/v7", "linux/armhf", [entry("v6", "linux", "arm", "v6"), entry("v7", "linux", "arm", "v7")], 1)
select("arm/v7 runs arm/v6", "linux/arm/v7", [entry("v6", "linux", "arm", "v6")], 0)
select("arm/v6 doesn't run arm/v7", "linux/arm/v6", [entry("v7", "linux", "arm", "v7")], None)
select("armel is arm/v6", "linux/armel", [entry("v5", "linux", "arm", "v5"), entry("v6", "linux", "arm", "v6")], 1)
select("arm/v5 runs only v5", "linux/arm/v5", [entry("v6", "linux", "arm", "v6"), entry("v5", "linux", "arm", "v5")], 1)
# amd64: Only(linux/amd64) runs amd64 (v1 normalized away), then 386.
select("amd64 picks amd64 over 386", "linux/amd64", [entry("386", "linux", "386"), entry("amd64", "linux", "amd64")], 1)
select("amd64 runs 386", "linux/amd64", [entry("386", "linux", "386")], 0)
select("x86_64 host", "linux/x86_64", [entry("amd64", "linux", "amd64")], 0)
select("amd64 runs amd64/v1", "linux/amd64", [entry("v1", "linux", "amd64", "v1")], 0)
select("amd64 doesn't run amd64/v2", "linux/amd64", [entry("v2", "linux", "amd64", "v2")], None)
select("amd64/v3 picks v3 over v2 and v1", "linux/amd64/v3", [entry("v1", "linux", "amd64"), entry("v2", "linux", "amd64", "v2"), entry("v3", "linux", "amd64", "v3"), entry("v4", "linux", "amd64", "v4")], 2)
select("amd64/v3 falls back to v2", "linux/amd64/v3", [entry("v1", "linux", "amd64"), entry("v2", "linux", "amd64", "v2"), entry("v4", "linux", "amd64", "v4")], 1)
select("amd64/v2 falls back to v1 before 386", "linux/amd64/v2", [entry("386", "linux", "386"), entry("v1", "linux", "amd64", "v1")], 1)
select("amd64/v3 doesn't run v4", "linux/amd64/v3", [entry("v4", "linux", "amd64", "v4")], None)
select("amd64 doesn't run arm64", "linux/amd64", [entry("arm64", "linux", "arm64")], None)
select("os must match", "linux/amd64", [entry("w", "windows", "amd64"), entry("d", "darwin", "amd64")], None)
select("ppc64le", "linux/ppc64le", [entry("amd", "linux", "amd64"), entry("ppc", "linux", "ppc64le")], 1)
select("s390x", "linux/s390x", [entry("s390x", "linux", "s390x")], 0)
select("riscv64", "linux/riscv64", [entry("amd", "linux", "amd64"), entry("rv", "linux", "riscv64")], 1)
select("platform object host", {"os": "linux", "architecture": "aarch64"}, [entry("v7", "linux", "arm", "v7"), entry("v8", "linux", "arm64")], 1)
select("platform object host with variant", {"os": "linux", "architecture": "arm", "variant": "v6"}, [entry("v7", "linux", "arm", "v7"), entry("v6", "linux", "arm", "v6")], 1)
# Stability: the first of equally good entries.
select("first of two equal entries", "linux/amd64", [entry("first", "linux", "amd64"), entry("second", "linux", "amd64")], 0)
select("equal after normalization: first wins", "linux/amd64", [entry("x86", "linux", "x86_64"), entry("amd", "linux", "amd64")], 0)
select("equal: arm64/v8 and arm64", "linux/arm64", [entry("plain", "linux", "arm64"), entry("v8", "linux", "arm64", "v8")], 0)
select("better later entry wins", "linux/amd64", [entry("386", "linux", "386"), entry("386b", "linux", "386"), entry("amd", "linux", "amd64")], 2)
# Attestations are never chosen.
select("attestation first, image second", "linux/amd64", [entry("att", "unknown", "unknown", annotations=ATT), entry("amd64", "linux", "amd64")], 1)
select("only an attestation", "linux/amd64", [entry("att", "unknown", "unknown", annotations=ATT)], None)
select("unknown/unknown without annotations is still an attestation", "linux/amd64", [entry("u", "unknown", "unknown"), entry("n")], 1)
select("annotated attestation with a real platform is skipped", "linux/amd64", [entry("att", "linux", "amd64", annotations=ATT), entry("amd64", "linux", "amd64")], 1)
select("annotated attestation without platform is skipped", "linux/amd64", [entry("att", annotations=ATT), entry("n")], 1)
select("buildkit layout: image, attestation per platform", "linux/arm64", [
    entry("amd64", "linux", "amd64"),
    entry("arm64", "linux", "arm64"),
    entry("att-amd64", "unknown", "unknown", annotations=ATT),
    entry("att-arm64", "unknown", "unknown", annotations=dict(ATT, **{"vnd.docker.reference.digest": sha("arm64")})),
], 1)
# Entries without a platform pass containerd's filter and sort after every platformed one.
select("no-platform entry loses to a match", "linux/amd64", [entry("none"), entry("amd64", "linux", "amd64")], 1)
select("no-platform entry chosen when nothing matches", "linux/amd64", [entry("arm64", "linux", "arm64"), entry("none")], 1)
select("first of several no-platform entries", "linux/amd64", [entry("none1"), entry("none2")], 0)
select("no-platform nested index", "linux/amd64", [entry("nested", media_type=OCI_INDEX)], 0)
select("empty index", "linux/amd64", [], None)
# OS features must be a subset of the host's.
select("features not on the host", "linux/amd64", [entry("f", "linux", "amd64", os_features=["gpu"])], None)
select("features on the host", "linux(+gpu)/amd64", [entry("f", "linux", "amd64", os_features=["gpu"]), entry("plain", "linux", "amd64")], 0)
# Windows: os.version compatibility (containerd platform_windows_compat.go).
WS2019 = "10.0.17763.5576"
WS2022 = "10.0.20348.2340"
WS2025 = "10.0.26100.1742"
win = [
    entry("linux", "linux", "amd64"),
    entry("ltsc2019", "windows", "amd64", os_version=WS2019),
    entry("ltsc2022", "windows", "amd64", os_version=WS2022),
]
select("windows 2022 host picks the 2022 image", "windows(10.0.20348.2402)/amd64", win, 2)
select("windows 2019 host needs the same build", "windows(10.0.17763.6000)/amd64", win, 1)
select("windows 2025 host runs the 2022 image (stable ABI)", "windows(%s)/amd64" % WS2025, win, 2)
select("windows 2022 host can't run 2019", "windows(%s)/amd64" % WS2022, win[:2], None)
select("windows 2022 host can't run a newer build", "windows(%s)/amd64" % WS2022, [entry("2025", "windows", "amd64", os_version=WS2025)], None)
select("windows host without os.version runs any build", "windows/amd64", win, 1)
select("windows entry without os.version runs anywhere", "windows(%s)/amd64" % WS2022, [entry("any", "windows", "amd64")], 0)
select("linux host never picks windows", "linux/amd64", win[1:], None)
select("windows host never picks linux", "windows(%s)/amd64" % WS2022, win[:1], None)


def main():
    doc = {
        "source": "hand-built from opencontainers/image-spec schema/*.json and schema/*_test.go "
        "(manifest, imageindex, descriptor), distribution manifest/ocischema and manifests.go, "
        "containerd core/images/image.go (validateMediaType) and handlers.go (FilterPlatforms, "
        "LimitManifests), containerd/platforms compare.go and platform_windows_compat.go, "
        "containers/image internal/manifest/manifest.go (GuessMIMEType), buildkit "
        "docs/attestations/attestation-storage.md; generated by tests/manifest_fixtures.py",
        "cases": CASES,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "fixtures", "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(len(CASES), "cases")


if __name__ == "__main__":
    main()
