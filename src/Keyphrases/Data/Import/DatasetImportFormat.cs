namespace DynamicCot.Keyphrases.Data.Import;

/// <summary>Source formats <see cref="DatasetImporter"/> converts into the dataset format.</summary>
public enum DatasetImportFormat
{
    /// <summary>CMKP/MMKP tweets: JSONL with id, text, keyphrases (image_file, image_url, ...), or the upstream
    /// <c>*_src.txt</c> lines <c>text &lt;sep&gt; kp1;kp2</c>.</summary>
    Cmkp,

    /// <summary>MediaEval 2016 "Verifying Multimedia Use" posts: text_raw, image, gold_seg.</summary>
    Vmu,

    /// <summary>Flickr photos: title, image, tags.</summary>
    Flickr,

    /// <summary>Text-only keyphrase sets (Inspec, SemEval-2010, KPTimes): id, [title], text, keyphrases.</summary>
    TextKp,
}
