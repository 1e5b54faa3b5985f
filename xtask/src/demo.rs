//! `cargo xtask demo`: the whole job without a PlanetScale account.
//!
//! Starts `planetscale-fake` with a realistic organization, runs `baton-planetscale` against it
//! exactly as against PlanetScale, and shows what `inspect` makes of the result.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::util::{cargo, run as run_cmd, target_dir};

const TOKEN: &str = "pscale_tkn_fake0000000001:pscale_tok_fakesecret0000000000000001";

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("`demo` takes no arguments, got `{arg}`"));
    }
    run_cmd(cargo().args([
        "build",
        "--quiet",
        "-p",
        "planetscale-fake",
        "-p",
        "baton-planetscale",
    ]))?;
    let bin = |name: &str| target_dir().join("debug").join(name);

    let mut fake = Command::new(bin("planetscale-fake"))
        .args(["--preset", "demo", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting planetscale-fake: {e}"))?;
    let mut line = String::new();
    if let Some(stdout) = fake.stdout.take() {
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
    }
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_default()
        .to_owned();
    let result = (|| {
        if url.is_empty() {
            return Err(format!(
                "planetscale-fake did not say where it listens: `{}`",
                line.trim()
            ));
        }
        println!("\nA fake PlanetScale API is listening on {url}.\n");
        let dir = target_dir().join("demo");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let file = dir.join("sync.c1z");
        let file = file.to_string_lossy();
        let baton = |args: &[&str]| {
            run_cmd(
                Command::new(bin("baton-planetscale"))
                    .args(args)
                    .env("BATON_PLANETSCALE_SERVICE_TOKEN", TOKEN)
                    .env("BATON_PLANETSCALE_API_URL", &url),
            )
            .map(|()| println!())
        };
        baton(&["validate"])?;
        baton(&["--file", &file])?;
        baton(&["inspect", "--file", &file, "resource-types"])?;
        baton(&["inspect", "--file", &file, "resources", "-t", "team"])?;
        baton(&[
            "inspect",
            "--file",
            &file,
            "entitlements",
            "-t",
            "organization",
        ])?;
        baton(&["inspect", "--file", &file, "stats"])?;
        println!(
            "The file is {file}; try `baton-planetscale inspect --file {file} access <email>`."
        );
        Ok(())
    })();
    let _ = fake.kill();
    let _ = fake.wait();
    result
}
