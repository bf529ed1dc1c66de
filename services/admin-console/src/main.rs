fn main() -> anyhow::Result<()> {
    anyhow::bail!("admin-console is not built yet")
}
