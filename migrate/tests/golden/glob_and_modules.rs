mod data {
    use legacy_cache::*;

    #[cache(ttl = 1)]
    pub fn load() -> Vec<u8> {
        vec![]
    }

    pub fn wipe() {
        clear_cache();
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[cache]
        fn helper() -> u8 {
            1
        }
    }
}

mod other {
    // Not the legacy attribute: nothing imports it here.
    #[cache]
    fn unrelated() {}
}
