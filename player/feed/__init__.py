"""The feed into libmpv: CMAF segments remuxed to one MPEG-TS stream, read by libmpv through our stream protocol."""
