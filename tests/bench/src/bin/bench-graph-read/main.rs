mod raw;
mod simproc;
fn main() {}
