"""Read a file out of a wheel, or repack a wheel with files replaced or added and a valid RECORD.

  wheel_tool.py read WHEEL ARCNAME                    print one member (utf-8) to stdout
  wheel_tool.py extract WHEEL PREFIX DEST             write the members under PREFIX/ into DEST (prefix stripped)
  wheel_tool.py repack IN OUT [--version V] [--put ARCNAME=FILE]...

repack keeps every other member byte for byte (same order, same timestamps), renames the .dist-info
directory and the METADATA Version when --version is given, and rewrites RECORD (sha256, size) so pip
verifies the result. Standard library only: runs on the host's Python, whatever the wheel targets.
"""
import base64
import hashlib
import sys
import zipfile


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _dist_info(names: list[str]) -> str:
    dirs = {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")}
    if len(dirs) != 1:
        raise SystemExit(f"expected one .dist-info directory, found {sorted(dirs)}")
    return dirs.pop()


def read(wheel: str, arcname: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        sys.stdout.write(z.read(arcname).decode("utf-8"))


def extract(wheel: str, prefix: str, dest: str) -> None:
    import os

    prefix = prefix.rstrip("/") + "/"
    root = os.path.realpath(dest)
    count = 0
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            if not info.filename.startswith(prefix) or info.filename.endswith("/"):
                continue
            target = os.path.realpath(os.path.join(root, info.filename[len(prefix):]))
            if not target.startswith(root + os.sep):
                raise SystemExit(f"refusing to write outside {dest}: {info.filename}")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(z.read(info.filename))
            count += 1
    if not count:
        raise SystemExit(f"no members under {prefix} in {wheel}")


def repack(src: str, dst: str, version: str | None, puts: dict[str, str]) -> None:
    with zipfile.ZipFile(src) as z:
        infos = z.infolist()
        old_di = _dist_info([i.filename for i in infos])
        name, old_version = old_di[: -len(".dist-info")].rsplit("-", 1)
        new_di = f"{name}-{version}.dist-info" if version else old_di
        members: list[tuple[zipfile.ZipInfo, bytes]] = []
        for info in infos:
            if info.filename == f"{old_di}/RECORD":
                continue
            data = z.read(info.filename)
            arc = info.filename
            if arc.startswith(old_di + "/"):
                arc = new_di + arc[len(old_di):]
                if version and arc == f"{new_di}/METADATA":
                    lines = data.decode("utf-8").split("\n")
                    lines = [f"Version: {version}" if l.startswith("Version: ") else l for l in lines]
                    data = "\n".join(lines).encode("utf-8")
            if arc in puts:
                with open(puts.pop(arc), "rb") as f:
                    data = f.read()
            new = zipfile.ZipInfo(arc, date_time=info.date_time)
            new.external_attr = info.external_attr
            new.compress_type = zipfile.ZIP_DEFLATED
            members.append((new, data))
        stamp = infos[0].date_time
        for arc, path in sorted(puts.items()):  # members the wheel did not have
            with open(path, "rb") as f:
                data = f.read()
            new = zipfile.ZipInfo(arc, date_time=stamp)
            new.external_attr = 0o644 << 16
            new.compress_type = zipfile.ZIP_DEFLATED
            members.append((new, data))
    record = "".join(f"{i.filename},{_record_hash(d)},{len(d)}\n" for i, d in members) + f"{new_di}/RECORD,,\n"
    rec = zipfile.ZipInfo(f"{new_di}/RECORD", date_time=infos[0].date_time)
    rec.external_attr = 0o644 << 16
    rec.compress_type = zipfile.ZIP_DEFLATED
    members.append((rec, record.encode("utf-8")))
    with zipfile.ZipFile(dst, "w") as out:
        for info, data in members:
            out.writestr(info, data, compresslevel=1)


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[0] == "read":
        return read(argv[1], argv[2])
    if len(argv) == 4 and argv[0] == "extract":
        return extract(argv[1], argv[2], argv[3])
    if len(argv) >= 3 and argv[0] == "repack":
        src, dst, rest = argv[1], argv[2], argv[3:]
        version, puts = None, {}
        while rest:
            flag, value, rest = rest[0], rest[1], rest[2:]
            if flag == "--version":
                version = value
            elif flag == "--put":
                arc, _, path = value.partition("=")
                puts[arc] = path
            else:
                raise SystemExit(f"unknown flag {flag}")
        return repack(src, dst, version, puts)
    raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
