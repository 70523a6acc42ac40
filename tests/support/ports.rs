//! Whose server answers on a port. Tests start many servers on ports they
//! picked free a moment before; two can pick the same one, and then the
//! second dies with "address in use" while the first answers its health
//! checks. A harness that only waits for an answer would then run its test
//! against another test's server (with other credentials, other data), so
//! each one asks the kernel which process holds the listening socket.

use std::path::Path;

/// The inodes of the sockets listening on `port` on IPv4 or IPv6.
fn listening_inodes(port: u16) -> Vec<String> {
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // local_address is HEXIP:HEXPORT; state 0A is LISTEN.
            let (Some(local), Some(state), Some(inode)) = (cols.get(1), cols.get(3), cols.get(9))
            else {
                continue;
            };
            let listening_here = local
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
                == Some(port);
            if listening_here && *state == "0A" {
                out.push(inode.to_string());
            }
        }
    }
    out
}

/// Whether process `pid` holds the socket listening on `port`.
pub fn listened_by(port: u16, pid: u32) -> bool {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return false;
    }
    let Ok(fds) = std::fs::read_dir(Path::new("/proc").join(pid.to_string()).join("fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).is_ok_and(|target| {
            let t = target.to_string_lossy();
            inodes.iter().any(|i| t == format!("socket:[{i}]"))
        })
    })
}
