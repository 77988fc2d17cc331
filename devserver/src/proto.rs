//! The SpeechSense wire types and the generated tonic server, from the shared `proto/`.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

pub mod google {
    pub mod rpc {
        include!(concat!(env!("OUT_DIR"), "/google.rpc.rs"));
    }
}

pub mod yandex {
    pub mod cloud {
        pub mod operation {
            include!(concat!(env!("OUT_DIR"), "/yandex.cloud.operation.rs"));
        }
        pub mod speechsense {
            pub mod v1 {
                include!(concat!(env!("OUT_DIR"), "/yandex.cloud.speechsense.v1.rs"));
            }
        }
    }
}

pub use yandex::cloud::speechsense::v1 as speechsense;
