fn main() -> anyhow::Result<()> {
    anyhow::bail!("sync-dispatch is not built yet")
}
