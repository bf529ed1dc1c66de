fn main() -> anyhow::Result<()> {
    anyhow::bail!("consent is not built yet")
}
