pub struct Screen(pub bool);

pub fn ok() -> bool {
    crate::domain::drawn(&Screen(true))
}
