"""The hostile-input corpus: credential shapes in boot scripts, and hostile names.

Each shape is a boot script (customData) that keeps data on the temp disk *and* carries a
credential; ``{s}`` marks where the credential goes. MC212 must report every one of them (the
temp-disk path is on the script's lines) while no output of any format ever shows the
credential. The shapes are the ones found in real scripts (issue #12).
"""

from __future__ import annotations

import base64
from typing import Any

from tests.builders import StackBuilder

VM = "azure-native:compute:VirtualMachine"

SHAPES: dict[str, str] = {
    "env-assignment": 'echo "DB_PASS={s}" >> /mnt/app/.env',
    "bearer-header": 'curl -H "Authorization: Bearer {s}" https://api.example.com/x -o /mnt/app/a',
    "json-password": "echo '{{\"password\": \"{s}\"}}' > /mnt/app/cfg.json",
    "chpasswd": 'echo "admin:{s}" | chpasswd; cp /etc/shadow /mnt/app/',
    "htpasswd": "htpasswd -b -c /mnt/app/htpasswd admin {s}",
    "net-user": "net user admin {s} /add & copy C:\\x D:\\app\\x",
    "pgpass": 'echo "db.example.com:5432:app:admin:{s}" > /mnt/app/.pgpass',
    "securestring": '$p = ConvertTo-SecureString "{s}" -AsPlainText -Force; Set-Content D:\\app\\p.txt $p',
    "sqlcmd": "sqlcmd -S db -U sa -P {s} -o D:\\app\\out.txt",
    "account-key": "az storage blob download --account-key {s} -c c -n b -f /mnt/app/blob",
    "api-key-header": 'curl -H "x-api-key: {s}" https://api.example.com -o /mnt/app/k',
    "aws-credentials": 'echo "aws_secret_access_key = {s}" >> /mnt/app/.aws/credentials',
    "connection-string": 'echo "Server=db;Uid=sa;Pwd={s};" > /mnt/app/conn.txt',
    "sas-signature": 'curl "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig={s}" -o /mnt/app/b',
    "url-userinfo": "git clone https://deploy:{s}@git.example.com/repo.git /mnt/app/repo",
    "yaml-password": (
        "#cloud-config\nwrite_files:\n  - path: /mnt/app/config.yaml\n    content: |\n"
        '      password: "{s}"\n      url: postgres://app:{s}@db/x?dir=/mnt/app\n'
    ),
    "heredoc": "cat > /mnt/app/.env <<EOF\n{s} /mnt/app/data\nAPI_TOKEN={s}\nEOF\n",
    "sshpass": "sshpass -p {s} scp host:/x /mnt/app/x",
    "mysql-p": "mysqldump -uroot -p{s} app > /mnt/app/dump.sql",
    "sudo-S": "echo '{s}' | sudo -S cp x /mnt/app/x",
    "here-string": "$cfg = @\"\n{s} D:\\app\\cfg\n\"@\nSet-Content D:\\app\\cfg.txt $cfg",
}

# Names that try to run code in a snippet, drive a terminal, or inject workflow commands.
HOSTILE_NAMES: tuple[str, ...] = (
    "x{__import__('os').getcwd()}",
    'web"x',
    "web\x00nul",
    "title\x1b]0;pwned\x07",
    "clear\x1b[2J",
    "line\n::error file=x::injected",
    "cr\r::warning ::x",
    "##[error]legacy",
    "::error::at-start",
    "bidi\u202egnp.exe",
    "lone\ud800surrogate",
    "<script>alert(1)</script>|`md`*_",
    "quote'\"\\back",
)


def script(shape: str, secret: str) -> str:
    body = SHAPES[shape].format(s=secret)
    return body if body.startswith("#cloud-config") else f"#!/bin/bash\n{body}\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


def add_vm(stack: StackBuilder, name: str, custom_data: str | None = None, **inputs: Any) -> None:
    """A VM of a size with a temp disk (Standard_D2ds_v5), optionally running ``custom_data``."""
    props: dict[str, Any] = {
        "resourceGroupName": "rg",
        "location": "eastus",
        "hardwareProfile": {"vmSize": "Standard_D2ds_v5"},
        **inputs,
    }
    if custom_data is not None:
        props["osProfile"] = {"customData": b64(custom_data), "adminPassword": "NotThisOne1!"}
    stack.add(VM, name, props, line=3)
