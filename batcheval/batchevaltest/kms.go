package batchevaltest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// keyAPI is the part of the KMS API the emulated service calls.
type keyAPI interface {
	DescribeKey(ctx context.Context, params *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	GenerateDataKey(ctx context.Context, params *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, params *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// encryptionContext is the documented context of every KMS call for ev.
func encryptionContext(ev *evaluation) map[string]string {
	return map[string]string{keypolicy.BatchEvaluationContextKey: ev.arn}
}

// serviceCaller is the AgentCore service principal calling with its own
// credentials for ev, with the confused-deputy context keys set.
func serviceCaller(ev *evaluation) caller {
	return caller{
		service: keypolicy.ServicePrincipalName,
		context: map[string][]string{
			"aws:SourceAccount": {ev.account},
			"aws:SourceArn":     {ev.arn},
		},
	}
}

// kmsErrorCode returns the error code of a KMS error, or "".
func kmsErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// record appends one KMS call to the log.
func (e *Emulator) record(op string, c caller, keyID string, ec map[string]string, dryRun bool, err error) {
	call := KMSCall{
		Operation: op, Principal: c.principal, ViaService: c.viaService, Service: c.service,
		KeyID: keyID, EncryptionContext: ec, DryRun: dryRun, ErrorCode: kmsErrorCode(err),
	}
	if v := c.context["aws:SourceAccount"]; len(v) > 0 {
		call.SourceAccount = v[0]
	}
	if v := c.context["aws:SourceArn"]; len(v) > 0 {
		call.SourceArn = v[0]
	}
	if err != nil && call.ErrorCode == "" {
		call.ErrorCode = "InternalError"
	}
	e.calls = append(e.calls, call)
}

func (e *Emulator) recordUnlocked(op string, c caller, keyID string, ec map[string]string, dryRun bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.record(op, c, keyID, ec, dryRun, err)
}

// validateKey runs the documented API-time checks of a key: its Region,
// then the caller's permissions through a forward access session.
func (e *Emulator) validateKey(ctx context.Context, principal string, ev *evaluation) *apiError {
	a, err := arn.Parse(ev.keyARN)
	if err != nil || a.Service != "kms" || len(a.Resource) <= len("key/") || a.Resource[:len("key/")] != "key/" {
		return validation(MessageNotAKeyARN)
	}
	if a.Region != e.opts.Region || a.Partition != e.partition.ID {
		return validation(MessageWrongRegion)
	}
	fas := caller{principal: principal, viaService: e.partition.ServiceHost(keypolicy.ServiceName, e.opts.Region)}
	k := e.as(fas)

	out, err := k.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ev.keyARN)})
	e.recordUnlocked("DescribeKey", fas, ev.keyARN, nil, false, err)
	if err != nil {
		return classifyKMS(err)
	}
	md := out.KeyMetadata
	if md == nil || md.KeyState != kmstypes.KeyStateEnabled ||
		md.KeySpec != kmstypes.KeySpecSymmetricDefault || md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt {
		return validation(MessageKeyNotUsable)
	}

	ec := encryptionContext(ev)
	_, err = k.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(ev.keyARN), KeySpec: kmstypes.DataKeySpecAes256,
		EncryptionContext: ec, DryRun: aws.Bool(true),
	})
	e.recordUnlocked("GenerateDataKey", fas, ev.keyARN, ec, true, err)
	var dry *kmstypes.DryRunOperationException
	if err != nil && !errors.As(err, &dry) {
		return classifyKMS(err)
	}
	return nil
}

// classifyKMS maps a KMS error to the error StartBatchEvaluation returns.
func classifyKMS(err error) *apiError {
	switch kmsErrorCode(err) {
	case "DisabledException", "KMSInvalidStateException", "KeyUnavailableException",
		"InvalidKeyUsageException", "UnsupportedOperationException", "IncorrectKeyException":
		return validation(MessageKeyNotUsable)
	case "AccessDeniedException", "AccessDenied", "KMSAccessDeniedException",
		// AWS documents a key that "does not exist or no longer exists"
		// under the access-denied message.
		"NotFoundException", "InvalidArnException":
		return accessDenied(MessageAccessDenied)
	}
	return internal(fmt.Sprintf("calling AWS KMS: %v", err))
}

// kmsReason says in a few words why a KMS call failed.
func kmsReason(err error) string {
	switch code := kmsErrorCode(err); code {
	case "DisabledException":
		return "the key is disabled (KMS DisabledException)"
	case "KMSInvalidStateException":
		return "the key is not in a usable state, such as pending deletion (KMS KMSInvalidStateException)"
	case "AccessDeniedException":
		return "the key policy does not allow the AgentCore service principal (KMS AccessDeniedException)"
	case "":
		return err.Error()
	default:
		return "KMS " + code
	}
}

// write stores an artifact of ev, encrypted under a fresh data key when ev
// has a KMS key. locked says whether the caller holds e.mu; the KMS calls
// are made under it, which is safe because KMS never calls back.
func (e *Emulator) write(ctx context.Context, ev *evaluation, name string, data []byte, locked bool) error {
	if ev.keyARN == "" {
		ev.plain[name] = append([]byte(nil), data...)
		return nil
	}
	svc := serviceCaller(ev)
	ec := encryptionContext(ev)
	dk, err := e.as(svc).GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(ev.keyARN), KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: ec,
	})
	if locked {
		e.record("GenerateDataKey", svc, ev.keyARN, ec, false, err)
	} else {
		e.recordUnlocked("GenerateDataKey", svc, ev.keyARN, ec, false, err)
	}
	if err != nil {
		return err
	}
	s, err := seal(dk.Plaintext, data)
	if err != nil {
		return err
	}
	s.blob = dk.CiphertextBlob
	ev.objects[name] = s
	return nil
}

// readLocked decrypts an artifact of ev as the service principal. The caller
// holds e.mu.
func (e *Emulator) readLocked(ctx context.Context, ev *evaluation, name string) ([]byte, error) {
	if ev.keyARN == "" {
		return ev.plain[name], nil
	}
	s, ok := ev.objects[name]
	if !ok {
		return nil, fmt.Errorf("artifact %s of %s was never written", name, ev.id)
	}
	svc := serviceCaller(ev)
	ec := encryptionContext(ev)
	out, err := e.as(svc).Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob: s.blob, KeyId: aws.String(ev.keyARN), EncryptionContext: ec,
	})
	e.record("Decrypt", svc, ev.keyARN, ec, false, err)
	if err != nil {
		return nil, err
	}
	return open(out.Plaintext, s)
}

func seal(key, data []byte) (sealed, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealed{}, fmt.Errorf("data key: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return sealed{}, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return sealed{}, err
	}
	return sealed{nonce: nonce, data: gcm.Seal(nil, nonce, data, nil)}, nil
}

func open(key []byte, s sealed) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return gcm.Open(nil, s.nonce, s.data, nil)
}
