// The tools and the IAM policy are behind the `tools` feature (implied by
// `cli`): a crate that only loads its config compiles none of them.
use awsconf::iam::policy;
use awsconf::tools::template;

fn main() {
    let _ = (policy::<()>, template::<()>);
}
