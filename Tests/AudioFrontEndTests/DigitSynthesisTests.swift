import Foundation
import RealNumerics
import SpikeData
import Testing
import AudioFrontEnd

@Suite struct DigitSynthesisTests {
    @Test func classesFollowSHDOrder() {
        #expect(DigitSynthesis.classNames.count == 20)
        #expect(DigitSynthesis.classNames[0] == "en zero" && DigitSynthesis.classNames[9] == "en nine")
        #expect(DigitSynthesis.classNames[10] == "de null" && DigitSynthesis.classNames[19] == "de neun")
    }

    @Test func planIsBalancedSpeakerIndependentAndFixedBySeed() {
        let synthesis = DigitSynthesis()
        let plan = synthesis.plan(seed: 3)
        #expect(plan == synthesis.plan(seed: 3))
        #expect(plan.map(\.pitch) != synthesis.plan(seed: 4).map(\.pitch))
        #expect(plan.filter { !$0.isTest }.count == 20 * synthesis.trainPerClass)
        #expect(plan.filter(\.isTest).count == 20 * synthesis.testPerClass)
        for label in 0..<20 {
            #expect(plan.filter { $0.label == label && !$0.isTest }.count == synthesis.trainPerClass)
            let words = plan.filter { $0.label == label }.map(\.text)
            #expect(Set(words) == [label < 10 ? DigitSynthesis.englishWords[label] : DigitSynthesis.germanWords[label - 10]])
        }
        let trainSpeakers = Set(plan.filter { !$0.isTest }.map(\.speaker))
        let testSpeakers = Set(plan.filter(\.isTest).map(\.speaker))
        #expect(trainSpeakers.isDisjoint(with: testSpeakers))
        #expect(trainSpeakers.count == (synthesis.englishVoices.count + synthesis.germanVoices.count) * synthesis.trainVariants.count)
        #expect(testSpeakers.count == (synthesis.englishVoices.count + synthesis.germanVoices.count) * synthesis.testVariants.count,
                "every test speaker speaks, although 25 utterances per class are fewer than 32 English test speakers")
        for u in plan {
            #expect(synthesis.speakerNames[u.speaker] == u.voice)
            #expect(u.voice.hasPrefix(u.label < 10 ? "en" : "de"))
            #expect(synthesis.pitchRange.contains(u.pitch) && synthesis.speedRange.contains(u.speed))
        }
        #expect(plan[0].espeakArguments(output: "/tmp/x.wav") == ["-v", plan[0].voice, "-p", "\(plan[0].pitch)", "-s", "\(plan[0].speed)", "-w", "/tmp/x.wav", "zero"])
    }

    @Test func invalidSettingsAreRejectedByKey() throws {
        var s = DigitSynthesis()
        s.testVariants = ["m1"]
        #expect(throws: ConfigurationError(key: "digits.testVariants", message: "must not share a variant with trainVariants")) { try s.validate() }
        s = DigitSynthesis()
        s.pitchRange = 0...120
        #expect(throws: ConfigurationError.self) { try s.validate() }
        s = DigitSynthesis()
        s.trainPerClass = 0
        let encoder = try CochleaEncoder()
        #expect(throws: DigitSynthesisError.self) { _ = try s.make(seed: 1, encoder: encoder) }
        #expect(DigitSynthesisError.espeakMissing.description.contains("apt-get install espeak-ng"))
    }

    @Test(.enabled(if: DigitSynthesis.espeakAvailable, "espeak-ng is not installed (apt-get install espeak-ng)"))
    func synthesisesATinySubsetDeterministically() throws {
        var s = DigitSynthesis()
        s.englishVoices = ["en-us", "en-gb-scotland"]
        s.trainVariants = ["m3", "f2"]
        s.testVariants = ["m7"]
        s.trainPerClass = 1
        s.testPerClass = 1
        var parameters = CochleaParameters()
        // One SIMD group at espeak-ng's own rate (no resampling) keeps this fast in debug builds.
        parameters.channels = 16
        parameters.workingRate = 22_050
        let encoder = try CochleaEncoder(parameters)
        let (train, test) = try s.make(seed: 11, encoder: encoder)
        #expect(train.count == 20 && test.count == 20)
        #expect(train.labels == Array(0..<20) && test.labels == Array(0..<20))
        #expect(train.classNames == DigitSynthesis.classNames && train.channelCount == 16)
        #expect(Set(train.speakers).isDisjoint(with: test.speakers))
        for sample in train.samples + test.samples {
            #expect(sample.times.count > 10, "every utterance spikes")
            #expect(sample.times.last! < 2)
        }
        let again = try s.make(seed: 11, encoder: encoder)
        #expect(again.train == train && again.test == test)

        s.trainVariants = ["no-such-variant"]
        #expect(throws: DigitSynthesisError.unknownVariant("no-such-variant")) { _ = try s.make(seed: 11, encoder: encoder) }
        s.trainVariants = ["m3"]
        s.englishVoices = ["xx-no-such-voice"]
        let failure: DigitSynthesisError?
        do { _ = try s.make(seed: 11, encoder: encoder); failure = nil } catch { failure = error }
        guard case .espeakFailed(let command, let status, let message)? = failure else {
            Issue.record("an unknown voice must fail espeak-ng, got \(String(describing: failure))")
            return
        }
        #expect(command.contains("xx-no-such-voice") && status != 0 && message.contains("does not exist"))
    }
}
